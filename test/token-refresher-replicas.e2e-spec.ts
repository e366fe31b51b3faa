import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { freePort, natsClient, rawRequest, startApp, startNatsServer, testPostgres, waitFor, type AppProcess, type NatsServerHandle } from './support/harness.js';
import { aesKey, appid, calls, collect, PATHS, pushTicket, secretValue } from './support/refresher-fixtures.js';

type TokenJson = { token?: string; expiresAt?: number; error?: { reason: string; message: string } };

/** 4-second WeChat tokens: served 2 s, refreshed 1 s after they were minted. */
const TOKEN_TTL_S = 4;
const LEASE_TTL_MS = 3_000;
const RUN_MS = 15_000;

const postgres = await testPostgres();
const describePg = postgres ? describe : describe.skip;

describePg('two token-refresher replicas on one PostgreSQL schema', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let sandbox: Sandbox;
  let db: pg.Client;
  const replicas: AppProcess[] = [];
  const component = { appid: appid('c'), secret: secretValue('cs'), token: secretValue('vt'), encodingAesKey: aesKey() };
  const app = { appid: appid('a'), secret: secretValue('as') };
  const req = (subject: string, payload: object = {}) => rawRequest(nc, subject, payload, 15_000) as Promise<TokenJson>;
  const schema = new URL(postgres?.url ?? 'postgres://x/y').searchParams.get('schema')!;

  const startReplica = async (env: Record<string, string>) => {
    const replica = await startApp('token-refresher', { ...env, CALLBACK_PORT: String(await freePort()) });
    replicas.push(replica);
    return replica;
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await natsClient(nats.url);
    sandbox = await createSandbox({ knobs: { tokenTtlS: TOKEN_TTL_S, stableSwapS: 1 }, seed: { components: [component], apps: [app] } });
    const env = {
      NATS_URL: nats.url,
      WECHAT_API_BASE: sandbox.url,
      WECHAT_API_BACKUP: '',
      DATABASE_URL: postgres!.url,
      WXGATE_MASTER_KEY: randomBytes(32).toString('base64'),
      REFRESH_LEASE_TTL_MS: String(LEASE_TTL_MS),
    };
    await Promise.all([startReplica(env), startReplica(env)]);
    await Promise.all(replicas.map((r) => r.waitReady(30_000)));
    db = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop('SIGKILL').catch(() => undefined)));
    await db?.end();
    await postgres?.drop();
    await nc?.close();
    await nats?.stop();
    await sandbox?.close();
  });

  it('makes exactly 1 WeChat call for 300 concurrent gets of a cold credential spread over both replicas', async () => {
    await req('wxgate.admin.app.put', { appid: app.appid, secret: app.secret });
    const replies = await Promise.all(Array.from({ length: 300 }, () => req(`wxgate.token.get.app.${app.appid}`)));
    expect(new Set(replies.map((r) => r.token)).size).toBe(1);
    expect(calls(sandbox, PATHS.stableToken)).toBe(1);
  });

  it(`makes one WeChat call per refresh across both replicas over ${RUN_MS / 1000} s`, async () => {
    await req('wxgate.admin.component.put', {
      componentAppid: component.appid,
      componentAppsecret: component.secret,
      token: component.token,
      encodingAesKey: component.encodingAesKey,
    });
    await pushTicket(nc, sandbox, component.appid);
    await waitFor(async () => (await req(`wxgate.token.get.component.${component.appid}`)).token, { what: 'component token' });
    const refreshed = collect(nc, `wxgate.events.token.refreshed.component.${component.appid}`);
    // Start counting right after a refresh, when the next one is about a second away.
    await waitFor(() => refreshed.messages.length > 0, { what: 'a refresh' });
    refreshed.messages.length = 0;
    const startedAt = Date.now();
    const baseline = calls(sandbox, PATHS.componentToken);
    const problems: string[] = [];
    while (Date.now() < startedAt + RUN_MS) {
      // A reply cannot have been made before its request was sent: expiresAt must be later than that.
      const sent = Date.now();
      const replies = await Promise.all([1, 2, 3, 4].map(() => req(`wxgate.token.get.component.${component.appid}`)));
      for (const r of replies) {
        if (!r.token) problems.push(JSON.stringify(r.error));
        else if (r.expiresAt! <= sent) problems.push(`served ${sent - r.expiresAt!} ms after its expiry`);
        else if (!sandbox.state.tokens.check(r.token).ok) problems.push('WeChat refuses the served token');
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // Every call is followed by one token.refreshed (the last one may still be on its way).
    await waitFor(() => refreshed.messages.length === calls(sandbox, PATHS.componentToken) - baseline, { timeoutMs: 3_000, intervalMs: 20, what: 'one event per call' });
    refreshed.stop();
    expect(problems).toEqual([]);
    const componentCalls = sandbox.state.calls.snapshot().calls.filter((c) => c.path === PATHS.componentToken).slice(baseline);
    // A 2-second served lifetime refreshed at its half: about one call a second, never two at once.
    expect(componentCalls.length).toBeGreaterThanOrEqual(RUN_MS / 1000 - 2);
    expect(componentCalls.length).toBeLessThanOrEqual(RUN_MS / 1000 + 3);
    const gaps = componentCalls.slice(1).map((c, i) => c.at - componentCalls[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThan(500);
  });

  it(`does not stall refreshes past the lease TTL (${LEASE_TTL_MS} ms) when the lease holder is killed`, async () => {
    // The next component-token call hangs for 2 s: its caller holds the lease meanwhile.
    sandbox.state.faults.add({ type: 'latency', path: PATHS.componentToken, ms: 2_000, count: 1 });
    await waitFor(() => sandbox.state.faults.list().length === 0, { timeoutMs: 5_000, intervalMs: 5, what: 'the slow call to arrive' });
    const { rows } = await db.query(`SELECT lease_holder FROM "${schema}".refresher_tokens WHERE kind = 'component' AND appid = $1`, [component.appid]);
    const holder = rows[0]?.lease_holder as string;
    expect(holder).toEqual(expect.any(String));
    const victim = replicas.find((r) => holder.startsWith(`${r.child.pid}-`))!;
    expect(victim).toBeDefined();
    const survivor = replicas.find((r) => r !== victim)!;
    const refreshed = collect(nc, `wxgate.events.token.refreshed.component.${component.appid}`);
    await victim.stop('SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => refreshed.messages.length > 0, { timeoutMs: LEASE_TTL_MS + 5_000, intervalMs: 20, what: 'a refresh by the survivor' });
    const stall = Date.now() - killedAt;
    refreshed.stop();
    // The survivor takes over when the dead holder's lease lapses (at most the TTL after the kill).
    expect(stall).toBeLessThan(LEASE_TTL_MS + 1_000);
    const reply = await req(`wxgate.token.get.component.${component.appid}`);
    expect(reply.expiresAt! > Date.now() && sandbox.state.tokens.check(reply.token!).ok).toBe(true);
    expect(survivor.child.exitCode).toBeNull();
  });
});
