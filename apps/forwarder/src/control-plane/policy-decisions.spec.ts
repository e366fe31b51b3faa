import type { PolicyCheckRequest, PolicyDecision } from '@wxgate/contracts';
import { ManualClock, Metrics } from '@wxgate/platform';
import { NatsUnavailableError } from '@wxgate/nats';
import { RelayMetrics } from '../metrics/relay.metrics.js';
import { DECISION_IDLE_TTL_MS, DECISION_REVALIDATE_MS, MAX_DECISION_BYTES, PolicyDecisions, type PolicySource } from './policy-decisions.js';

function setup() {
  const clock = new ManualClock(0);
  const asked: PolicyCheckRequest[] = [];
  let down = false;
  const release: (() => void)[] = [];
  let hold = false;
  const source: PolicySource = {
    async checkPolicy(request): Promise<PolicyDecision> {
      asked.push(request);
      if (hold) await new Promise<void>((r) => release.push(r));
      if (down) throw new NatsUnavailableError('wxgate.policy.check', 'no responders');
      return { allowed: true, credential: { kind: 'app', appid: request.fromAppid ?? 'wxowner0001' }, tokenParam: 'access_token' };
    },
  };
  const decisions = new PolicyDecisions(source, new RelayMetrics(new Metrics()), { ENV_ID: 'prod' }, clock);
  return { decisions, asked, advance: (ms: number) => clock.advance(ms), setDown: (v: boolean) => (down = v), setHold: (v: boolean) => (hold = v), release };
}

/** A policy service whose replicas answer at the revision `revisionFor` gives, with a policy.changed hook. */
function revisionedSetup(revisionFor: (request: PolicyCheckRequest) => number) {
  const asked: PolicyCheckRequest[] = [];
  let changed: ((subject: string, body: unknown) => void) | undefined;
  const source: PolicySource = {
    async checkPolicy(request): Promise<PolicyDecision> {
      asked.push(request);
      return { allowed: true, credential: { kind: 'app', appid: 'wxowner0001' }, tokenParam: 'access_token', revision: revisionFor(request) };
    },
    subscribe: ((_subject: string, handle: (subject: string, body: unknown) => void) => {
      changed = handle;
      return { unsubscribe() {} };
    }) as unknown as PolicySource['subscribe'],
  };
  const decisions = new PolicyDecisions(source, new RelayMetrics(new Metrics()), { ENV_ID: 'prod' }, new ManualClock(0));
  decisions.onModuleInit();
  return { decisions, asked, change: (body: unknown) => changed!('wxgate.events.policy.changed.prod', body) };
}

describe('PolicyDecisions', () => {
  it('after policy.changed with a revision, re-asks with minRevision and never caches or uses an older answer', async () => {
    // One replica lags at revision 4 until asked with minRevision (then it reloads, as the policy service does).
    const { decisions, asked, change } = revisionedSetup((request) => (request.minRevision ? 7 : 4));
    await decisions.fill('/wxa/commit', undefined);
    expect(decisions.peek('/wxa/commit', undefined)?.decision.revision).toBe(4);
    change({ revision: 7 });
    expect(decisions.peek('/wxa/commit', undefined)).toBeUndefined();
    const entry = await decisions.fill('/wxa/commit', undefined);
    expect(entry.decision.revision).toBe(7);
    expect(asked.at(-1)).toEqual({ envId: 'prod', path: '/wxa/commit', minRevision: 7 });
    // A duplicate or older event changes nothing.
    change({ revision: 7 });
    change({ revision: 5 });
    expect(decisions.peek('/wxa/commit', undefined)?.decision.revision).toBe(7);
  });

  it('answers TOKEN_UNAVAILABLE rather than use a decision older than the change it heard of', async () => {
    const { decisions, asked, change } = revisionedSetup(() => 3);
    change({ revision: 9 });
    await expect(decisions.fill('/wxa/commit', undefined)).rejects.toMatchObject({ reason: 'TOKEN_UNAVAILABLE' });
    expect(asked).toHaveLength(3);
    expect(decisions.peek('/wxa/commit', undefined)).toBeUndefined();
  });

  it('treats events and answers without a revision as before (every event drops the cache)', async () => {
    const { decisions, change } = revisionedSetup(() => 0);
    await decisions.fill('/wxa/commit', undefined);
    change({});
    expect(decisions.peek('/wxa/commit', undefined)).toBeUndefined();
  });

  it('asks once per (path, from_appid) and keeps the token key of the credential', async () => {
    const { decisions, asked } = setup();
    const [a, b] = await Promise.all([decisions.fill('/wxa/commit', undefined), decisions.fill('/wxa/commit', undefined)]);
    expect(a).toBe(b);
    expect(asked).toEqual([{ envId: 'prod', path: '/wxa/commit' }]);
    expect(decisions.peek('/wxa/commit', undefined)?.tokenKey).toBe('app.wxowner0001');
    expect(decisions.peek('/wxa/commit', 'wxother0001')).toBeUndefined();
  });

  it('drops everything on policy.changed, and does not cache an answer asked before the change', async () => {
    const { decisions, setHold, release } = setup();
    await decisions.fill('/wxa/commit', undefined);
    decisions.dropAll('policy changed');
    expect(decisions.peek('/wxa/commit', undefined)).toBeUndefined();
    setHold(true);
    const pending = decisions.fill('/wxa/a', undefined);
    await Promise.resolve();
    decisions.dropAll('policy changed');
    release.forEach((r) => r());
    await pending;
    expect(decisions.peek('/wxa/a', undefined)).toBeUndefined();
  });

  it('serves a stale decision while re-asking in the background, and keeps it when the policy service is down', async () => {
    const { decisions, asked, advance, setDown } = setup();
    await decisions.fill('/wxa/commit', undefined);
    advance(DECISION_REVALIDATE_MS + 1);
    setDown(true);
    expect(decisions.peek('/wxa/commit', undefined)?.decision.allowed).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(asked).toHaveLength(2);
    expect(decisions.peek('/wxa/commit', undefined)?.decision.allowed).toBe(true);
  });

  it('answers TOKEN_UNAVAILABLE when a cold decision cannot be asked', async () => {
    const { decisions, setDown } = setup();
    setDown(true);
    await expect(decisions.fill('/wxa/commit', undefined)).rejects.toMatchObject({ reason: 'TOKEN_UNAVAILABLE' });
  });

  it('bounds the cache by bytes: 2,000 unique 15 KiB paths keep well under MAX_DECISION_BYTES of them', async () => {
    const { decisions } = setup();
    const paths = Array.from({ length: 2_000 }, (_, i) => `/wxa/${'p'.repeat(15 * 1024)}${i}`);
    for (const path of paths) await decisions.fill(path, undefined);
    const kept = paths.filter((p) => decisions.peek(p, undefined) !== undefined).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept * 2 * 15 * 1024).toBeLessThanOrEqual(MAX_DECISION_BYTES);
    // The most recent ones are the ones kept.
    expect(decisions.peek(paths.at(-1)!, undefined)).toBeDefined();
  });

  it('does not cache decisions for a path or from_appid no allowlist can ever admit', async () => {
    const { decisions, asked } = setup();
    for (const [path, from] of [['/wxa/commit/', undefined], ['/', undefined], ['/cgi-bin/token', undefined], ['/wxa/commit', 'not-an-appid']] as const) {
      await decisions.fill(path, from);
      expect([path, from, decisions.peek(path, from)]).toEqual([path, from, undefined]);
    }
    expect(asked).toHaveLength(4);
  });

  it('forgets a decision nobody asked for within DECISION_IDLE_TTL_MS, keeps one in use', async () => {
    const { decisions, advance } = setup();
    advance(1_000);
    await decisions.fill('/wxa/commit', undefined);
    advance(DECISION_IDLE_TTL_MS / 2);
    expect(decisions.peek('/wxa/commit', undefined)).toBeDefined();
    advance(DECISION_IDLE_TTL_MS / 2 + 1);
    expect(decisions.peek('/wxa/commit', undefined)).toBeDefined();
    advance(DECISION_IDLE_TTL_MS + 1);
    expect(decisions.peek('/wxa/commit', undefined)).toBeUndefined();
  });
});
