// `npm run fuzz`: the relay and WeChat-callback fuzz campaigns (test/fuzz/, docs/hardening.md)
// against freshly started real processes. FUZZ_CASES (default 10000 per campaign) and FUZZ_SEED
// (default: the time) choose the run; the seed is printed so a failure can be replayed.
// Exits 1 on any oracle violation, with the first ones printed as JSON.
import { afterCampaign, baselineOf, fuzzCallback, fuzzRelay } from '../test/fuzz/campaigns.mjs';
import { startTargets } from '../test/fuzz/targets.mjs';

const cases = Number(process.env.FUZZ_CASES || 10_000);
const seed = Number(process.env.FUZZ_SEED || Date.now() % 1_000_000);
const say = (line) => process.stderr.write(`wxgate fuzz: ${line}\n`);

const targets = await startTargets();
let failed = false;
try {
  // Let startup allocations settle before measuring the baseline.
  await new Promise((r) => setTimeout(r, 1_000));
  const baseline = baselineOf(targets);
  say(`baseline RSS forwarder ${(baseline.forwarder / 1048576).toFixed(0)} MiB, token-refresher ${(baseline.refresher / 1048576).toFixed(0)} MiB`);
  for (const run of [fuzzRelay, fuzzCallback]) {
    const started = Date.now();
    const report = await run(targets, { seed, cases });
    const after = await afterCampaign(targets, baseline);
    const violations = [...report.violations, ...after.violations];
    say(`${report.campaign}: ${report.cases} cases, seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s, statuses ${JSON.stringify(report.statuses)}` +
      (report.outcomes ? `, connections ${JSON.stringify(report.outcomes)}` : '') +
      (report.upstreamCalls !== undefined ? `, ${report.upstreamCalls} upstream calls` : `, ${report.accepted} accepted / ${report.published} published`) +
      `, RSS ${JSON.stringify(Object.fromEntries(Object.entries(after.rss ?? {}).map(([k, v]) => [k, `${(v / 1048576).toFixed(0)} MiB`])))}, ${violations.length} violation(s)`);
    if (violations.length) {
      failed = true;
      process.stdout.write(`${JSON.stringify(violations.slice(0, 20), null, 2)}\n`);
    }
  }
} finally {
  await targets.stop();
}
say(failed ? 'FAILED' : 'no violations');
process.exit(failed ? 1 : 0);
