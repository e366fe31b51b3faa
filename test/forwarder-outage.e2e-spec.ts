/**
 * The forwarder while the token-refresher is down (docs/http-behaviour.md hot path and step 11): warm tokens keep
 * serving until their expiresAt, then calls answer 503 TOKEN_UNAVAILABLE, and the relay recovers
 * when the refresher returns. Tokens live 24 s in the sandbox so the whole story takes seconds.
 */
import { call, type Answer } from './support/forwarder-client.js';
import { waitFor, type AppProcess } from './support/harness.js';
import { putEnv, startWxgateSystem, SYSTEM, type WxgateSystem } from './support/wxgate-system.js';

const TOKEN_TTL_S = 24;

let system: WxgateSystem;
let forwarder: { proc: AppProcess; base: string };

beforeAll(async () => {
  system = await startWxgateSystem();
  await putEnv(system, { envId: 'outage', ownerAppid: SYSTEM.shared.appid, ownerKind: 'app', paths: ['/wxa/msg_sec_check'] });
  forwarder = await system.startForwarder({ ENV_ID: 'outage' });
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

it('keeps relaying on warm tokens while the refresher is dead, answers 503 TOKEN_UNAVAILABLE (85113) after their expiry, and recovers when it returns', async () => {
  // Only tokens issued from here on are short-lived.
  system.sandbox.state.setKnobs({ tokenTtlS: TOKEN_TTL_S });
  const warm = await call(`${forwarder.base}/wxa/msg_sec_check`);
  expect(warm.json()).toMatchObject({ errcode: 0, echo: { tokenOwner: { appid: SYSTEM.shared.appid } } });
  const fetchedAt = Date.now();

  await system.refresher.stop('SIGKILL');
  const killedAt = Date.now();

  // Warm: every call succeeds without the refresher, until the token's expiresAt.
  const outcomes: { at: number; answer: Answer }[] = [];
  await waitFor(
    async () => {
      const answer = await call(`${forwarder.base}/wxa/msg_sec_check`);
      outcomes.push({ at: Date.now(), answer });
      return answer.status === 503;
    },
    { timeoutMs: TOKEN_TTL_S * 1000, intervalMs: 250, what: 'the warm token to expire' },
  );
  const firstFailure = outcomes.findIndex((o) => o.answer.status !== 200);
  expect(outcomes.slice(0, firstFailure).every((o) => o.answer.json().errcode === 0)).toBe(true);
  const servedFor = outcomes[firstFailure - 1]!.at - killedAt;
  // expiresAt = answered + 24 s − min(60 s, half the lifetime) = about 12 s after the fetch.
  expect(servedFor).toBeGreaterThan(8_000);
  expect(outcomes[firstFailure]!.at - fetchedAt).toBeLessThan(TOKEN_TTL_S * 1000);

  const failure = outcomes[firstFailure]!.answer;
  expect(failure.status).toBe(503);
  expect(failure.json()).toMatchObject({ errcode: 85113, reason: 'TOKEN_UNAVAILABLE', errmsg: expect.stringMatching(/refresher unreachable/) });
  expect(failure.headers['x-openapi-seqid']).toMatch(/^[0-9a-f]{16}$/);
  process.stdout.write(`forwarder served warm tokens for ${servedFor} ms after the refresher was killed\n`);

  await system.startRefresher();
  const recovered = await waitFor(
    async () => {
      const answer = await call(`${forwarder.base}/wxa/msg_sec_check`);
      return answer.status === 200 ? answer : undefined;
    },
    { timeoutMs: 10_000, what: 'recovery' },
  );
  expect(recovered.json()).toMatchObject({ errcode: 0, echo: { tokenOwner: { appid: SYSTEM.shared.appid } } });
}, 60_000);

it('keeps relaying warm calls while NATS itself is down, reporting not ready on /readyz', async () => {
  const warm = await call(`${forwarder.base}/wxa/msg_sec_check`);
  expect(warm.status).toBe(200);
  await system.nats.stop();
  await waitFor(async () => (await fetch(`http://127.0.0.1:${forwarder.proc.adminPort}/readyz`)).status === 503, { what: '/readyz to notice NATS is gone' });
  const answers: Answer[] = [];
  for (let i = 0; i < 10; i++) answers.push(await call(`${forwarder.base}/wxa/msg_sec_check?i=${i}`));
  expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
  expect(answers.every((a) => a.json().errcode === 0)).toBe(true);
}, 30_000);
