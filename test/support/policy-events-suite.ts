import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { natsClient, startApp, startNatsServer, tempDir, waitFor, type AppProcess, type NatsServerHandle } from './harness.js';
import { call, check, type PolicyBackend } from './policy-backends.js';

const APP = 'wx1234567890abcdef';
const SHARED = 'wx2234567890abcdef';
const COMPONENT = 'wxc234567890abcdef';
const OTHER_COMPONENT = 'wxd234567890abcdef';
const AUTHORIZER = 'wxa134567890abcdef';
const LATE = 'wxa234567890abcdef';
const WHILE_DOWN = 'wxa334567890abcdef';
const PATH = '/wxa/getwxacode';

/**
 * The policy service's event behaviour, over a real NATS server with JetStream and the built app:
 * policy.changed announcements, authorizer events, downtime, replay and replicas. Each backend runs
 * it from its own spec file so the files stay short.
 */
export function policyEventsSuite(backendFactory: () => Promise<PolicyBackend | undefined>) {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let backend: PolicyBackend;
  const replicas: AppProcess[] = [];
  const cwd = tempDir('wxgate-policy-events-');
  const changed = new Map<string, number>();
  let changes: Subscription;
  let at = Date.now();

  const startReplica = async () => {
    const replica = await startApp('policy', { NATS_URL: nats.url, ...backend.env }, { cwd: cwd.path });
    replicas.push(replica);
    await replica.waitReady();
    return replica;
  };
  const stopAll = async () => {
    for (const replica of replicas.splice(0)) expect((await replica.stop('SIGTERM')).code).toBe(0);
  };
  const authorizerEvent = (component: string, authorizer: string, status: 'authorized' | 'unauthorized', eventAt = ++at) =>
    js.publish(`wxgate.events.authorizer.${component}.${authorizer}`, JSON.stringify({ status, funcScopes: [1, 17], at: eventAt }));
  /** Counts policy.changed per environment after everything published before now has arrived. */
  const changeCounts = async () => {
    await nc.flush();
    return Object.fromEntries(changed);
  };
  const expectChanges = async (action: () => Promise<unknown>, expected: Record<string, number>) => {
    const before = await changeCounts();
    await action();
    const after = await changeCounts();
    const delta = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]).filter(([, n]) => n !== 0));
    expect(delta).toEqual(expected);
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await natsClient(nats.url);
    js = jetstream(nc);
    backend = (await backendFactory())!;
    // A raw core subscriber, like a relay's: it counts every announcement.
    changes = nc.subscribe('wxgate.events.policy.changed.>', {
      callback: (_err, msg) => {
        const envId = msg.subject.split('.').pop()!;
        changed.set(envId, (changed.get(envId) ?? 0) + 1);
      },
    });
    await startReplica();
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop('SIGKILL').catch(() => undefined)));
    changes?.unsubscribe();
    await nc?.close();
    await nats?.stop();
    await backend?.drop();
    cwd.remove();
  });

  it('publishes policy.changed exactly once per effective change, and nothing for a no-op', async () => {
    await expectChanges(() => call(nc, 'wxgate.admin.env.put', { envId: 'apps', ownerAppid: APP, ownerKind: 'app' }), { apps: 1 });
    await expectChanges(() => call(nc, 'wxgate.admin.env.put', { envId: 'apps', ownerAppid: APP, ownerKind: 'app' }), {});
    await expectChanges(() => call(nc, 'wxgate.admin.env.put', { envId: 'apps', ownerAppid: SHARED, ownerKind: 'app' }), { apps: 1 });
    await expectChanges(() => call(nc, 'wxgate.admin.allowlist.add', { envId: 'apps', paths: [PATH, '/wxa/commit'] }), { apps: 1 });
    await expectChanges(() => call(nc, 'wxgate.admin.allowlist.add', { envId: 'apps', paths: [PATH] }), {});
    await expectChanges(() => call(nc, 'wxgate.admin.allowlist.add', { envId: 'apps', paths: [PATH, '/wxa/release'] }), { apps: 1 });
    await expectChanges(() => call(nc, 'wxgate.admin.allowlist.add', { envId: 'apps', paths: ['/cgi-bin/token'] }), {});
    await expectChanges(() => call(nc, 'wxgate.admin.allowlist.remove', { envId: 'apps', paths: ['/never/listed'] }), {});
    await expectChanges(() => call(nc, 'wxgate.admin.allowlist.remove', { envId: 'apps', paths: ['/wxa/commit', '/wxa/release'] }), { apps: 1 });
    await expectChanges(() => call(nc, 'wxgate.admin.share.add', { envId: 'apps', appid: APP }), { apps: 1 });
    await expectChanges(() => call(nc, 'wxgate.admin.share.add', { envId: 'apps', appid: APP }), {});
    await expectChanges(() => call(nc, 'wxgate.admin.share.remove', { envId: 'apps', appid: SHARED }), {});
    await expectChanges(() => call(nc, 'wxgate.admin.share.remove', { envId: 'apps', appid: APP }), { apps: 1 });
    await expectChanges(() => call(nc, 'wxgate.admin.env.delete', { envId: 'apps' }), { apps: 1 });
    await expectChanges(() => call(nc, 'wxgate.admin.env.delete', { envId: 'apps' }), {});
    await expectChanges(() => check(nc, 'apps', PATH), {});
  });

  it('authorizes from_appid from authorizer events and announces every environment the component owns', async () => {
    await call(nc, 'wxgate.admin.env.put', { envId: 'comp-a', ownerAppid: COMPONENT, ownerKind: 'component' });
    await call(nc, 'wxgate.admin.env.put', { envId: 'comp-b', ownerAppid: COMPONENT, ownerKind: 'component' });
    await call(nc, 'wxgate.admin.env.put', { envId: 'other', ownerAppid: OTHER_COMPONENT, ownerKind: 'component' });
    for (const envId of ['comp-a', 'comp-b', 'other']) await call(nc, 'wxgate.admin.allowlist.add', { envId, paths: [PATH] });
    expect(await check(nc, 'comp-a', PATH, AUTHORIZER)).toMatchObject({ allowed: false, reason: 'AUTHORIZER_NOT_AUTHORIZED', errcode: 61007 });

    const before = await changeCounts();
    await authorizerEvent(COMPONENT, AUTHORIZER, 'authorized');
    await waitFor(async () => (await check(nc, 'comp-a', PATH, AUTHORIZER)).allowed, { what: 'the authorizer to be allowed' });
    expect(await check(nc, 'comp-b', PATH, AUTHORIZER)).toEqual({ allowed: true, credential: { kind: 'authorizer', appid: AUTHORIZER, componentAppid: COMPONENT }, tokenParam: 'access_token' });
    expect((await check(nc, 'other', PATH, AUTHORIZER)).reason).toBe('AUTHORIZER_NOT_AUTHORIZED');
    await waitFor(async () => (await changeCounts())['comp-b'] === (before['comp-b'] ?? 0) + 1, { what: 'policy.changed for comp-b' });
    const after = await changeCounts();
    expect([after['comp-a']! - (before['comp-a'] ?? 0), after['comp-b']! - (before['comp-b'] ?? 0), (after.other ?? 0) - (before.other ?? 0)]).toEqual([1, 1, 0]);
  });

  it('flips a check to AUTHORIZER_NOT_AUTHORIZED within 1 s of an unauthorized event', async () => {
    const published = Date.now();
    await authorizerEvent(COMPONENT, AUTHORIZER, 'unauthorized');
    await waitFor(async () => (await check(nc, 'comp-a', PATH, AUTHORIZER)).reason === 'AUTHORIZER_NOT_AUTHORIZED', { timeoutMs: 1_000, intervalMs: 10, what: 'the flip' });
    expect(Date.now() - published).toBeLessThan(1_000);
  });

  it('lets the later event win: an older one delivered late and duplicates change nothing', async () => {
    const unauthorizedAt = ++at;
    await authorizerEvent(COMPONENT, LATE, 'unauthorized', unauthorizedAt);
    await authorizerEvent(COMPONENT, LATE, 'authorized', unauthorizedAt - 1_000);
    await authorizerEvent(COMPONENT, LATE, 'authorized', unauthorizedAt);
    // A marker behind them on the same consumer: once it is applied, so are they.
    await authorizerEvent(OTHER_COMPONENT, LATE, 'authorized');
    await waitFor(async () => (await check(nc, 'other', PATH, LATE)).allowed, { what: 'the marker event' });
    expect((await check(nc, 'comp-a', PATH, LATE)).reason).toBe('AUTHORIZER_NOT_AUTHORIZED');
  });

  it('skips a malformed authorizer event without holding up the ones behind it', async () => {
    await js.publish(`wxgate.events.authorizer.${COMPONENT}.${LATE}`, 'not json');
    await js.publish(`wxgate.events.authorizer.${COMPONENT}.${LATE}`, JSON.stringify({ status: 'maybe', at: ++at }));
    await js.publish(`wxgate.events.authorizer.not-an-appid.${LATE}`, JSON.stringify({ status: 'authorized', funcScopes: [], at: ++at }));
    await authorizerEvent(OTHER_COMPONENT, LATE, 'unauthorized');
    await waitFor(async () => (await check(nc, 'other', PATH, LATE)).reason === 'AUTHORIZER_NOT_AUTHORIZED', { what: 'the event behind the malformed ones' });
    expect((await check(nc, 'comp-a', PATH, LATE)).reason).toBe('AUTHORIZER_NOT_AUTHORIZED');
    const metrics = await (await fetch(`http://127.0.0.1:${replicas[0]!.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/^wxgate_policy_authorizer_events_total\{outcome="malformed"\} 3$/m);
  });

  it('restricts an authorized from_appid to a non-empty share list', async () => {
    await authorizerEvent(COMPONENT, AUTHORIZER, 'authorized');
    await waitFor(async () => (await check(nc, 'comp-a', PATH, AUTHORIZER)).allowed, { what: 'authorized again' });
    await call(nc, 'wxgate.admin.share.add', { envId: 'comp-a', appid: WHILE_DOWN });
    expect((await check(nc, 'comp-a', PATH, AUTHORIZER)).reason).toBe('AUTHORIZER_NOT_AUTHORIZED');
    await call(nc, 'wxgate.admin.share.add', { envId: 'comp-a', appid: AUTHORIZER });
    expect((await check(nc, 'comp-a', PATH, AUTHORIZER)).allowed).toBe(true);
  });

  it('processes events published while the service was down when it starts', async () => {
    await stopAll();
    await authorizerEvent(COMPONENT, WHILE_DOWN, 'authorized');
    await startReplica();
    await waitFor(async () => (await check(nc, 'comp-a', PATH, WHILE_DOWN)).allowed, { what: 'the event published while down' });
    expect((await check(nc, 'comp-a', PATH, AUTHORIZER)).allowed).toBe(true);
  });

  const snapshot = async () => {
    const decisions: Record<string, unknown> = {};
    for (const envId of ['comp-a', 'comp-b', 'other']) {
      for (const appid of [AUTHORIZER, LATE, WHILE_DOWN]) decisions[`${envId}/${appid}`] = await check(nc, envId, PATH, appid);
    }
    return decisions;
  };

  it('leaves the same state after replaying the whole stream, announcing nothing', async () => {
    const before = await snapshot();
    await stopAll();
    const jsm = await jetstreamManager(nc);
    const { num_pending } = await jsm.consumers.info('WXGATE_EVENTS', 'policy-authorizer-events');
    expect(num_pending).toBe(0);
    // Without its durable consumer, the service re-creates it from the start of the stream.
    await jsm.consumers.delete('WXGATE_EVENTS', 'policy-authorizer-events');
    const counts = await changeCounts();
    await startReplica();
    await waitFor(
      async () => {
        const info = await jsm.consumers.info('WXGATE_EVENTS', 'policy-authorizer-events');
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0;
      },
      { what: 'the replay to finish' },
    );
    expect(await snapshot()).toEqual(before);
    expect(await changeCounts()).toEqual(counts);
  });

  it('serves a change made through one replica from every replica', async () => {
    await startReplica();
    const path = '/wxa/business/getuserphonenumber';
    await call(nc, 'wxgate.admin.allowlist.add', { envId: 'comp-b', paths: [path] });
    // Requests spread over the queue group; the other replica hears policy.changed and reloads.
    await waitFor(async () => (await Promise.all(Array.from({ length: 40 }, () => check(nc, 'comp-b', path)))).every((c) => c.allowed), {
      timeoutMs: 1_000,
      intervalMs: 10,
      what: 'every replica to see the new path',
    });
    await authorizerEvent(COMPONENT, AUTHORIZER, 'unauthorized');
    await waitFor(
      async () => (await Promise.all(Array.from({ length: 40 }, () => check(nc, 'comp-b', PATH, AUTHORIZER)))).every((c) => c.reason === 'AUTHORIZER_NOT_AUTHORIZED'),
      { timeoutMs: 1_000, intervalMs: 10, what: 'every replica to see the unauthorization' },
    );
    await stopAll();
  });
}
