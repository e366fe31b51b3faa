import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { freePort, natsClient, rawRequest, startApp, startNatsServer, tempDir, testPostgres, waitFor, type AppProcess, type NatsServerHandle } from './support/harness.js';
import { aesKey, appid, calls, collect, PATHS, publishWechatEvent, pushTicket, secretValue } from './support/refresher-fixtures.js';

type Json = Record<string, unknown> & { error?: { reason: string; message: string; errcode: number } };

const postgres = await testPostgres();
/** SQLite always; the same behaviour on PostgreSQL when TEST_DATABASE_URL is set. */
const backends = postgres ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

describe.each(backends)('token-refresher on %s (built process, private NATS, sandbox as WeChat)', (backend) => {
  const itSqlite = backend === 'sqlite' ? it : it.skip;
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let sandbox: Sandbox;
  let refresher: AppProcess;
  let env: Record<string, string>;
  const work = tempDir('wxgate-refresher-');
  const secrets: string[] = [];
  const remember = (value: string) => (secrets.push(value), value);

  const component = { appid: appid('c'), secret: remember(secretValue('csecret')), token: remember(secretValue('vtoken')), encodingAesKey: remember(aesKey()) };
  const app = { appid: appid('a'), secret: remember(secretValue('asecret')) };
  const authorizer = appid('z');

  const req = (subject: string, payload: string | object = {}) => rawRequest(nc, subject, payload, 10_000) as Promise<Json>;
  const get = (kind: string, id: string) => req(`wxgate.token.get.${kind}.${id}`);
  const start = async () => {
    refresher = await startApp('token-refresher', env, { cwd: work.path });
    await refresher.waitReady();
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await natsClient(nats.url);
    sandbox = await createSandbox({ seed: { components: [component], apps: [app] } });
    env = {
      NATS_URL: nats.url,
      WECHAT_API_BASE: sandbox.url,
      WECHAT_API_BACKUP: '',
      CALLBACK_PORT: String(await freePort()),
      INVALIDATE_MIN_INTERVAL_S: '2',
      ...(backend === 'postgres' ? { DATABASE_URL: postgres!.url } : {}),
    };
    await start();
  });

  afterAll(async () => {
    await refresher?.stop('SIGKILL').catch(() => undefined);
    await nc?.close();
    await nats?.stop();
    await sandbox?.close();
    work.remove();
    if (backend === 'postgres') await postgres?.drop();
  });

  it('answers BAD_REQUEST for a bad kind or appid in the subject and CREDENTIAL_NOT_FOUND for an unknown one', async () => {
    expect((await get('user', 'wx1234567890abcdef')).error?.reason).toBe('BAD_REQUEST');
    expect((await get('app', 'not-an-appid')).error?.reason).toBe('BAD_REQUEST');
    expect((await get('app', 'wx00000000000000ff')).error).toMatchObject({ reason: 'CREDENTIAL_NOT_FOUND', errcode: 40013 });
    expect((await req('wxgate.token.invalidate.app.wx00000000000000ff', 'nope')).error?.reason).toBe('BAD_REQUEST');
  });

  it('stores a component and answers TOKEN_UNAVAILABLE 85113 until a ticket arrives', async () => {
    const put = await req('wxgate.admin.component.put', {
      componentAppid: component.appid,
      componentAppsecret: component.secret,
      token: component.token,
      encodingAesKey: component.encodingAesKey,
    });
    expect(put).toEqual({ ok: true });
    const reply = await get('component', component.appid);
    expect(reply.error).toMatchObject({ reason: 'TOKEN_UNAVAILABLE', errcode: 85113 });
    expect(reply.error?.message).toMatch(/ticket/);
    const list = (await req('wxgate.admin.credentials.list')) as unknown as Json[];
    expect(list).toContainEqual(expect.objectContaining({ kind: 'component', appid: component.appid, status: 'no_ticket' }));
    // No ticket yet: the refresher asked WeChat to resume pushes (once).
    await waitFor(() => calls(sandbox, PATHS.startPush) === 1, { what: 'api_start_push_ticket' });
  });

  it('serves one component token for 500 concurrent gets after a ticket event (exactly 1 WeChat call)', async () => {
    remember(await pushTicket(nc, sandbox, component.appid));
    await waitFor(async () => ((await req('wxgate.admin.credentials.list')) as unknown as Json[]).some((c) => c.appid === component.appid && c.ticketAt), {
      what: 'ticket stored',
    });
    const before = calls(sandbox, PATHS.componentToken);
    const replies = await Promise.all(Array.from({ length: 500 }, () => get('component', component.appid)));
    expect(calls(sandbox, PATHS.componentToken) - before).toBe(1);
    const tokens = new Set(replies.map((r) => r.token));
    expect(tokens.size).toBe(1);
    const first = replies[0]!;
    expect(first).toMatchObject({ kind: 'component', appid: component.appid, token: expect.any(String) });
    expect(first.expiresAt as number).toBeGreaterThan(Date.now() + 7000_000);
    expect(sandbox.state.tokens.check(first.token as string).ok).toBe(true);
    remember(first.token as string);
  });

  it('authorize in the sandbox → authorizer token served and an authorizer event published', async () => {
    const events = collect(nc, `wxgate.events.authorizer.${component.appid}.${authorizer}`);
    const auth = await sandbox.state.simulator.authorize({ componentAppid: component.appid, authorizerAppid: authorizer, funcScopes: [1, 17], notify: false });
    remember(auth.authorizationCode);
    remember(sandbox.state.authorizations.get(component.appid, authorizer)!.refreshToken);
    await publishWechatEvent(nc, {
      AppId: component.appid,
      InfoType: 'authorized',
      AuthorizerAppid: authorizer,
      AuthorizationCode: auth.authorizationCode,
      AuthorizationCodeExpiredTime: auth.authorizationCodeExpiredTime,
      PreAuthCode: auth.preAuthCode,
    });
    await waitFor(() => events.messages.length >= 1, { what: 'authorizer event' });
    expect(events.messages[0]!.body).toMatchObject({ status: 'authorized', funcScopes: [1, 17], at: expect.any(Number) });
    const queryAuthCalls = calls(sandbox, PATHS.queryAuth);
    const reply = await get('authorizer', authorizer);
    expect(reply).toMatchObject({ kind: 'authorizer', appid: authorizer, token: expect.any(String) });
    expect(sandbox.state.tokens.check(reply.token as string).ok).toBe(true);
    // The token came with api_query_auth: serving it made no further call.
    expect(calls(sandbox, PATHS.authorizerToken)).toBe(0);
    expect(queryAuthCalls).toBe(1);
    remember(reply.token as string);
    events.stop();
  });

  it('serves an app token from stable_token and refreshes it only by compare-and-refresh', async () => {
    expect(await req('wxgate.admin.app.put', { appid: app.appid, secret: app.secret })).toEqual({ ok: true });
    const first = await get('app', app.appid);
    expect(sandbox.state.tokens.check(first.token as string).ok).toBe(true);
    remember(first.token as string);
    expect(calls(sandbox, PATHS.stableToken)).toBe(1);

    // A token that is not current any more: the current one comes back, no WeChat call.
    const stale = await req(`wxgate.token.invalidate.app.${app.appid}`, { token: 'not-the-current-token' });
    expect(stale.token).toBe(first.token);
    expect(calls(sandbox, PATHS.stableToken)).toBe(1);

    // The current one rejected: force_refresh, a new token.
    const forced = await req(`wxgate.token.invalidate.app.${app.appid}`, { token: first.token });
    expect(forced.token).not.toBe(first.token);
    remember(forced.token as string);
    expect(calls(sandbox, PATHS.stableToken)).toBe(2);
    expect(sandbox.state.tokens.check(first.token as string).ok).toBe(false);

    // Rejected again within 30 s: no second force_refresh, the current token comes back.
    const again = await req(`wxgate.token.invalidate.app.${app.appid}`, { token: forced.token });
    expect(again.token).toBe(forced.token);
    expect(calls(sandbox, PATHS.stableToken)).toBe(2);
  });

  it('rate-limits invalidations of a component token per credential', async () => {
    const current = await get('component', component.appid);
    const before = calls(sandbox, PATHS.componentToken);
    const [a, b] = await Promise.all([
      req(`wxgate.token.invalidate.component.${component.appid}`, { token: current.token }),
      req(`wxgate.token.invalidate.component.${component.appid}`, { token: current.token }),
    ]);
    expect(calls(sandbox, PATHS.componentToken) - before).toBe(1);
    expect(a.token).not.toBe(current.token);
    expect(b.token).toBe(a.token);
    remember(a.token as string);
    // Within INVALIDATE_MIN_INTERVAL_S (2 s here): rate-limited, the current token comes back.
    const limited = await req(`wxgate.token.invalidate.component.${component.appid}`, { token: a.token });
    expect(limited.token).toBe(a.token);
    expect(calls(sandbox, PATHS.componentToken) - before).toBe(1);
    // After the interval the same rejection refreshes again.
    const later = await waitFor(
      async () => {
        const r = await req(`wxgate.token.invalidate.component.${component.appid}`, { token: a.token });
        return r.token !== a.token ? r : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 500, what: 'invalidation after the interval' },
    );
    remember(later.token as string);
    expect(calls(sandbox, PATHS.componentToken) - before).toBe(2);
  });

  it('lists credentials with statuses and no secret', async () => {
    const list = (await req('wxgate.admin.credentials.list')) as unknown as Json[];
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'component', appid: component.appid, status: 'ok', ticketAt: expect.any(Number), tokenExpiresAt: expect.any(Number) }),
        expect.objectContaining({ kind: 'authorizer', appid: authorizer, componentAppid: component.appid, status: 'ok' }),
        expect.objectContaining({ kind: 'app', appid: app.appid, status: 'ok' }),
      ]),
    );
    const text = JSON.stringify(list);
    for (const s of secrets) expect(text).not.toContain(s);
  });

  it('imports an authorizer by refresh token and syncs authorizations from WeChat', async () => {
    const imported = appid('i');
    sandbox.state.authorizations.authorize(component.appid, imported, [3]);
    const refreshToken = remember(sandbox.state.authorizations.get(component.appid, imported)!.refreshToken);
    const events = collect(nc, `wxgate.events.authorizer.${component.appid}.>`);
    expect(await req('wxgate.admin.authorizer.put', { componentAppid: component.appid, authorizerAppid: imported, refreshToken })).toEqual({ ok: true });
    await waitFor(() => events.messages.some((m) => m.subject.endsWith(imported)), { what: 'import event' });
    const token = await get('authorizer', imported);
    expect(sandbox.state.tokens.check(token.token as string).ok).toBe(true);
    remember(token.token as string);

    const synced = appid('s');
    sandbox.state.authorizations.authorize(component.appid, synced, [5]);
    remember(sandbox.state.authorizations.get(component.appid, synced)!.refreshToken);
    const reply = await req('wxgate.admin.authorizer.sync', { componentAppid: component.appid });
    expect(reply).toEqual({ imported: 3, unauthorized: 0 });
    await waitFor(() => events.messages.some((m) => m.subject.endsWith(synced)), { what: 'sync event' });
    const syncedToken = await get('authorizer', synced);
    expect(sandbox.state.tokens.check(syncedToken.token as string).ok).toBe(true);
    remember(syncedToken.token as string);
    expect((await req('wxgate.admin.authorizer.put', { componentAppid: 'wx00000000000000ff', authorizerAppid: imported, refreshToken: 'x' })).error?.reason).toBe(
      'CREDENTIAL_NOT_FOUND',
    );
    events.stop();
  });

  it('unauthorize → token.get answers a reason and an unauthorized event is published', async () => {
    const events = collect(nc, `wxgate.events.authorizer.${component.appid}.${authorizer}`);
    await sandbox.state.simulator.unauthorize({ componentAppid: component.appid, authorizerAppid: authorizer, notify: false });
    await publishWechatEvent(nc, { AppId: component.appid, InfoType: 'unauthorized', AuthorizerAppid: authorizer, CreateTime: Math.floor(Date.now() / 1000) + 1 });
    await waitFor(() => events.messages.length >= 1, { what: 'unauthorized event' });
    expect(events.messages[0]!.body).toMatchObject({ status: 'unauthorized', funcScopes: [] });
    const reply = await get('authorizer', authorizer);
    expect(reply.error).toMatchObject({ reason: 'TOKEN_UNAVAILABLE', errcode: 85113 });
    expect(reply.error?.message).toMatch(/unauthorized/);
    const list = (await req('wxgate.admin.credentials.list')) as unknown as Json[];
    expect(list).toContainEqual(expect.objectContaining({ kind: 'authorizer', appid: authorizer, status: 'unauthorized' }));
    events.stop();
  });

  it('replays of processed events change nothing and make no WeChat call', async () => {
    const before = { queryAuth: calls(sandbox, PATHS.queryAuth), tokens: calls(sandbox, PATHS.componentToken) };
    // An authorized event older than the unauthorization that followed it.
    await publishWechatEvent(nc, { AppId: component.appid, InfoType: 'authorized', AuthorizerAppid: authorizer, AuthorizationCode: 'spent', CreateTime: 1 });
    // An old ticket.
    await publishWechatEvent(nc, { AppId: component.appid, InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'ticket@@@old', CreateTime: 1 });
    const probe = appid('p');
    await publishWechatEvent(nc, { AppId: component.appid, InfoType: 'unauthorized', AuthorizerAppid: probe });
    await waitFor(async () => ((await req('wxgate.admin.credentials.list')) as unknown as Json[]).some((c) => c.appid === probe), { what: 'probe processed' });
    expect((await get('authorizer', authorizer)).error?.reason).toBe('TOKEN_UNAVAILABLE');
    expect(calls(sandbox, PATHS.queryAuth)).toBe(before.queryAuth);
    expect((await get('component', component.appid)).token).toBeDefined();
    expect(calls(sandbox, PATHS.componentToken)).toBe(before.tokens);
  });

  it('deletes credentials and answers CREDENTIAL_NOT_FOUND for unknown ones', async () => {
    expect((await req('wxgate.admin.credentials.delete', { kind: 'app', appid: 'wx00000000000000ff' })).error).toMatchObject({ reason: 'CREDENTIAL_NOT_FOUND' });
    const probe = appid('d');
    await req('wxgate.admin.app.put', { appid: probe, secret: 'x' });
    expect(await req('wxgate.admin.credentials.delete', { kind: 'app', appid: probe })).toEqual({ ok: true });
    expect((await get('app', probe)).error?.reason).toBe('CREDENTIAL_NOT_FOUND');
  });

  it('restarts with 0 WeChat calls for valid tokens and processes events published while it was down', async () => {
    const before = { component: await get('component', component.appid), app: await get('app', app.appid) };
    const counts = sandbox.state.calls.snapshot().counts;
    expect((await refresher.stop('SIGTERM')).code).toBe(0);

    // While it is down: a new authorization.
    const late = appid('l');
    const auth = await sandbox.state.simulator.authorize({ componentAppid: component.appid, authorizerAppid: late, notify: false });
    remember(sandbox.state.authorizations.get(component.appid, late)!.refreshToken);
    await publishWechatEvent(nc, { AppId: component.appid, InfoType: 'authorized', AuthorizerAppid: late, AuthorizationCode: auth.authorizationCode });

    await start();
    expect(await get('component', component.appid)).toEqual(before.component);
    expect(await get('app', app.appid)).toEqual(before.app);
    const lateToken = await waitFor(async () => {
      const r = await get('authorizer', late);
      return r.token ? r : undefined;
    }, { what: 'authorizer authorized while down' });
    remember(lateToken.token as string);
    const after = sandbox.state.calls.snapshot().counts;
    expect(after[PATHS.componentToken]).toBe(counts[PATHS.componentToken]);
    expect(after[PATHS.stableToken]).toBe(counts[PATHS.stableToken]);
    expect(after[PATHS.authorizerToken] ?? 0).toBe(counts[PATHS.authorizerToken] ?? 0);
    expect(after[PATHS.queryAuth]).toBe((counts[PATHS.queryAuth] ?? 0) + 1);
  });

  itSqlite('keeps no secret, refresh token or token in the SQLite files (WAL included), its logs or its metrics', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${refresher.adminPort}/metrics`)).text();
    // This process (restarted above) made no refresh, one api_query_auth, and served tokens.
    expect(metrics).toMatch(/# TYPE wxgate_token_refreshes_total counter/);
    expect(metrics).toMatch(/wxgate_wechat_calls_total\{endpoint="api_query_auth",errcode="0"\} 1/);
    expect(metrics).toMatch(/wxgate_tokens_served_total\{kind="component"\} \d+/);
    const dataDir = path.join(work.path, 'data');
    const read = () => {
      const files = readdirSync(dataDir).filter((f) => f.startsWith('token-refresher.sqlite'));
      return { files, raw: Buffer.concat(files.map((f) => readFileSync(path.join(dataDir, f)))) };
    };
    const running = read();
    expect(running.files).toEqual(expect.arrayContaining(['token-refresher.sqlite', 'token-refresher.sqlite-wal']));
    await refresher.stop('SIGTERM');
    const stopped = read();
    const raw = Buffer.concat([running.raw, stopped.raw]);
    expect(raw.includes(Buffer.from('refresher_tokens'))).toBe(true);
    expect(secrets.length).toBeGreaterThan(10);
    for (const s of secrets) {
      expect({ secret: s.slice(0, 6), inDb: raw.includes(Buffer.from(s)) }).toEqual({ secret: s.slice(0, 6), inDb: false });
      expect({ secret: s.slice(0, 6), inLog: refresher.output().includes(s) }).toEqual({ secret: s.slice(0, 6), inLog: false });
      expect({ secret: s.slice(0, 6), inMetrics: metrics.includes(s) }).toEqual({ secret: s.slice(0, 6), inMetrics: false });
    }
    await start();
  });
});

