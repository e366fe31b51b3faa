import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { freePort, natsClient, rawRequest, startApp, startNatsServer, tempDir, testPostgres, waitFor, type AppProcess, type NatsServerHandle } from './support/harness.js';
import { aesKey, appid, calls, collect, PATHS, publishWechatEvent, pushTicket, secretValue } from './support/refresher-fixtures.js';

type TokenJson = { token?: string; expiresAt?: number; error?: { reason: string; message: string } };

/** Gets per probe: NATS picks a queue member at random per message, so 40 reach both replicas (all but 2⁻³⁹ of the time). */
const PROBE = 40;
/** How soon a change made through one replica must show on the other. */
const WITHIN_MS = 1_000;

const postgres = await testPostgres();
/** SQLite (one file, both processes) always; PostgreSQL too when TEST_DATABASE_URL is set. */
const backends = postgres ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

describe.each(backends)('two token-refresher replicas with in-memory tokens on one %s database', (backend) => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let sandbox: Sandbox;
  const replicas: AppProcess[] = [];
  const work = tempDir('wxgate-refresher-cache-');
  const component = { appid: appid('c'), secret: secretValue('cs'), token: secretValue('vt'), encodingAesKey: aesKey() };
  const app = { appid: appid('a'), secret: secretValue('as') };

  const req = (subject: string, payload: object = {}) => rawRequest(nc, subject, payload, 10_000) as Promise<TokenJson>;
  const probe = (kind: string, id: string) => Promise.all(Array.from({ length: PROBE }, () => req(`wxgate.token.get.${kind}.${id}`)));
  const served = async (replica: AppProcess, kind: string) => {
    const text = await (await fetch(`http://127.0.0.1:${replica.adminPort}/metrics`)).text();
    return Number(new RegExp(`wxgate_tokens_served_total\\{kind="${kind}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
  };

  /** Gets until each replica has served (and so cached) the token; returns the tokens served. */
  const warmBoth = async (kind: string, id: string) => {
    const before = await Promise.all(replicas.map((r) => served(r, kind)));
    const tokens = new Set<string | undefined>();
    await waitFor(
      async () => {
        for (const r of await probe(kind, id)) tokens.add(r.token);
        const after = await Promise.all(replicas.map((r) => served(r, kind)));
        return after.every((n, i) => n > before[i]!);
      },
      { what: `both replicas serving ${kind} ${id}` },
    );
    return tokens;
  };

  /** Probes until every answer passes `ok`; fails when that takes longer than WITHIN_MS after `since`. */
  const everyAnswerWithin = async (since: number, kind: string, id: string, ok: (r: TokenJson) => boolean) => {
    let last: TokenJson[] = [];
    await waitFor(
      async () => {
        last = await probe(kind, id);
        return last.every(ok);
      },
      { timeoutMs: 3_000, intervalMs: 10, what: `every answer for ${kind} ${id} to change` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last answers: ${JSON.stringify([...new Set(last.map((r) => (r.token ? 'a token' : r.error?.reason)))])}`);
    });
    return Date.now() - since;
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await natsClient(nats.url);
    sandbox = await createSandbox({ seed: { components: [component], apps: [app] } });
    const env = {
      NATS_URL: nats.url,
      WECHAT_API_BASE: sandbox.url,
      WECHAT_API_BACKUP: '',
      DATABASE_URL: backend === 'postgres' ? postgres!.url : `sqlite:${path.join(work.path, 'shared.sqlite')}`,
      WXGATE_MASTER_KEY: randomBytes(32).toString('base64'),
      INVALIDATE_MIN_INTERVAL_S: '1',
    };
    // One after the other: the second finds the schema migrated by the first.
    for (let i = 0; i < 2; i++) {
      const replica = await startApp('token-refresher', { ...env, CALLBACK_PORT: String(await freePort()) });
      replicas.push(replica);
      await replica.waitReady(30_000);
    }
    await req('wxgate.admin.component.put', {
      componentAppid: component.appid,
      componentAppsecret: component.secret,
      token: component.token,
      encodingAesKey: component.encodingAesKey,
    });
    await pushTicket(nc, sandbox, component.appid);
    await waitFor(async () => (await req(`wxgate.token.get.component.${component.appid}`)).token, { what: 'component token' });
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop('SIGKILL').catch(() => undefined)));
    await nc?.close();
    await nats?.stop();
    await sandbox?.close();
    work.remove();
    if (backend === 'postgres') await postgres?.drop();
  });

  it('serves one token from both replicas with 1 WeChat call for 300 concurrent gets, then from memory', async () => {
    await req('wxgate.admin.app.put', { appid: app.appid, secret: app.secret });
    const replies = await Promise.all(Array.from({ length: 300 }, () => req(`wxgate.token.get.app.${app.appid}`)));
    expect(new Set(replies.map((r) => r.token)).size).toBe(1);
    expect(await warmBoth('app', app.appid)).toEqual(new Set([replies[0]!.token]));
    expect(calls(sandbox, PATHS.stableToken)).toBe(1);
  });

  it(`serves the token replaced through one replica (invalidate) from the other within ${WITHIN_MS} ms`, async () => {
    const [first] = [...(await warmBoth('app', app.appid))];
    const replaced = await req(`wxgate.token.invalidate.app.${app.appid}`, { token: first! });
    const at = Date.now();
    expect(replaced.token).toEqual(expect.any(String));
    expect(replaced.token).not.toBe(first);
    // force_refresh: WeChat refuses the old token from now on, so no replica may serve it.
    expect(sandbox.state.tokens.check(first!).ok).toBe(false);
    expect(await everyAnswerWithin(at, 'app', app.appid, (r) => r.token === replaced.token)).toBeLessThan(WITHIN_MS);
    expect(await warmBoth('app', app.appid)).toEqual(new Set([replaced.token]));
    expect(calls(sandbox, PATHS.stableToken)).toBe(2);
  });

  it(`stops serving an unauthorized authorizer's token on both replicas within ${WITHIN_MS} ms`, async () => {
    const authorizer = appid('z');
    const events = collect(nc, `wxgate.events.authorizer.${component.appid}.${authorizer}`);
    const auth = await sandbox.state.simulator.authorize({ componentAppid: component.appid, authorizerAppid: authorizer, funcScopes: [1], notify: false });
    await publishWechatEvent(nc, { AppId: component.appid, InfoType: 'authorized', AuthorizerAppid: authorizer, AuthorizationCode: auth.authorizationCode });
    await waitFor(() => events.messages.length >= 1, { what: 'authorized event' });
    const tokens = await warmBoth('authorizer', authorizer);
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toEqual(expect.any(String));

    await sandbox.state.simulator.unauthorize({ componentAppid: component.appid, authorizerAppid: authorizer, notify: false });
    await publishWechatEvent(nc, { AppId: component.appid, InfoType: 'unauthorized', AuthorizerAppid: authorizer, CreateTime: Math.floor(Date.now() / 1000) + 1 });
    await waitFor(() => events.messages.some((m) => m.body.status === 'unauthorized'), { intervalMs: 5, what: 'unauthorized event' });
    const at = Date.now();
    events.stop();
    expect(await everyAnswerWithin(at, 'authorizer', authorizer, (r) => r.error?.reason === 'TOKEN_UNAVAILABLE')).toBeLessThan(WITHIN_MS);
  });

  it(`stops serving a deleted credential's token on both replicas within ${WITHIN_MS} ms`, async () => {
    await warmBoth('app', app.appid);
    expect((await warmBoth('component', component.appid)).size).toBe(1);
    expect(await req('wxgate.admin.credentials.delete', { kind: 'app', appid: app.appid })).toEqual({ ok: true });
    const at = Date.now();
    expect(await everyAnswerWithin(at, 'app', app.appid, (r) => r.error?.reason === 'CREDENTIAL_NOT_FOUND')).toBeLessThan(WITHIN_MS);

    expect(await req('wxgate.admin.credentials.delete', { kind: 'component', appid: component.appid })).toEqual({ ok: true });
    const componentAt = Date.now();
    expect(await everyAnswerWithin(componentAt, 'component', component.appid, (r) => r.error?.reason === 'CREDENTIAL_NOT_FOUND')).toBeLessThan(WITHIN_MS);
  });
});
