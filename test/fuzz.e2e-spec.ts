/**
 * The bounded, seeded slice of `npm run fuzz` (test/fuzz/, docs/hardening.md): 1,000 raw-socket
 * relay cases and 1,000 mutated WeChat pushes against the real forwarder and token-refresher.
 * Oracles: no process exits, no upstream call outside the allowlist or to a reserved path with an
 * injected token, nothing published for a refused push, every answer a documented status with
 * x-openapi-seqid (relay), never a 500, sockets and RSS back to baseline afterwards.
 */
import { afterCampaign, baselineOf, fuzzCallback, fuzzRelay } from './fuzz/campaigns.mjs';
import { startTargets, type FuzzTargets } from './fuzz/targets.mjs';

const CASES = 1_000;
const SEED = 17;

let targets: FuzzTargets;
let baseline: { forwarder: number; refresher: number };

beforeAll(async () => {
  targets = await startTargets();
  baseline = baselineOf(targets);
}, 60_000);

afterAll(async () => {
  await targets?.stop();
});

it(`relay: ${CASES} seeded raw-socket cases break no oracle`, async () => {
  const report = await fuzzRelay(targets, { seed: SEED, cases: CASES });
  expect(report.violations).toEqual([]);
  // The campaign reached every layer: relayed calls, refusals at several steps.
  expect(report.upstreamCalls).toBeGreaterThan(10);
  for (const status of ['200', '400', '403', '405', '431']) expect(report.statuses[status]).toBeGreaterThan(0);
  expect((await afterCampaign(targets, baseline)).violations).toEqual([]);
}, 60_000);

it(`callback: ${CASES} mutated signed pushes break no oracle`, async () => {
  const report = await fuzzCallback(targets, { seed: SEED, cases: CASES });
  expect(report.violations).toEqual([]);
  expect(report.accepted).toBeGreaterThan(50);
  expect(report.published).toBe(report.accepted);
  for (const status of ['200', '400', '401', '413']) expect(report.statuses[status]).toBeGreaterThan(0);
  expect((await afterCampaign(targets, baseline)).violations).toEqual([]);
}, 60_000);
