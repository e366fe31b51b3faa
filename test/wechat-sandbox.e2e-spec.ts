import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseWechatXml, urlSignature, WechatMsgCrypt } from '@wxgate/wechat';
import { ManualClock } from '@wxgate/platform';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';

const COMPONENT = {
  appid: 'wxcomponent0001',
  secret: 'component-secret',
  token: 'msgtoken',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
const AUTHORIZER = 'wxauthorizer0001';
const APP = { appid: 'wxapp0001', secret: 'app-secret' };

// ---- helpers -------------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- WeChat answers are asserted field by field
type WechatJson = Record<string, any>;

interface Reply {
  status: number;
  headers: Headers;
  json: WechatJson;
  bytes: Buffer;
}

async function call(
  base: string,
  path: string,
  opts: { method?: string; query?: Record<string, string>; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const qs = opts.query ? `?${new URLSearchParams(opts.query)}` : '';
  const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const res = await fetch(`${base}${path}${qs}`, {
    method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
    body,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: WechatJson = {};
  if (res.headers.get('content-type')?.includes('json')) json = JSON.parse(bytes.toString('utf8'));
  return { status: res.status, headers: res.headers, json, bytes };
}

const admin = (sb: Sandbox, method: string, path: string, body?: unknown) =>
  call(sb.url, `/__sandbox/${path}`, { method, ...(body === undefined ? {} : { body }) });

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Received {
  query: URLSearchParams;
  body: string;
  fields: Record<string, string>;
}

/** A component's authorization-event URL: verifies, decrypts with @wxgate/wechat, answers `success`. */
async function startReceiver() {
  const crypt = new WechatMsgCrypt({ token: COMPONENT.token, encodingAesKeys: [COMPONENT.encodingAesKey], appid: COMPONENT.appid });
  const received: Received[] = [];
  let reply: (n: number) => string = () => 'success';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const query = new URL(req.url!, 'http://receiver').searchParams;
      const envelope = parseWechatXml(body);
      const [ts, nonce] = [query.get('timestamp')!, query.get('nonce')!];
      const signed =
        query.get('encrypt_type') === 'aes' &&
        query.get('signature') === urlSignature(COMPONENT.token, ts, nonce) &&
        crypt.verify(query.get('msg_signature')!, ts, nonce, envelope.Encrypt!) &&
        envelope.AppId === COMPONENT.appid;
      if (!signed) {
        res.writeHead(401).end('bad signature');
        return;
      }
      received.push({ query, body, fields: parseWechatXml(crypt.decrypt(envelope.Encrypt!)) });
      res.end(reply(received.length));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat/callback`,
    received,
    setReply(fn: (n: number) => string) {
      reply = fn;
    },
    of(infoType: string) {
      return received.filter((r) => r.fields.InfoType === infoType);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Registers the component and returns the ticket it was pushed. */
async function componentWithTicket(sb: Sandbox, receiver: Receiver): Promise<string> {
  expect((await admin(sb, 'POST', 'components', { ...COMPONENT, callbackUrl: receiver.url })).json).toEqual({ ok: true });
  const push = await waitFor(() => receiver.of('component_verify_ticket').at(-1), 'the first ticket push');
  return push.fields.ComponentVerifyTicket!;
}

async function componentToken(sb: Sandbox, ticket: string): Promise<string> {
  const res = await call(sb.url, '/cgi-bin/component/api_component_token', {
    body: { component_appid: COMPONENT.appid, component_appsecret: COMPONENT.secret, component_verify_ticket: ticket },
  });
  expect(res.json).toEqual({ component_access_token: expect.stringMatching(/^\d+_[\w-]{100,}$/), expires_in: expect.any(Number) });
  return res.json.component_access_token;
}

/** Authorizes AUTHORIZER without a callback round trip and returns its first token. */
async function authorizerToken(sb: Sandbox, ctoken: string, funcScopes?: number[]): Promise<{ token: string; refresh: string }> {
  const auth = await admin(sb, 'POST', 'authorizations/authorize', {
    componentAppid: COMPONENT.appid,
    authorizerAppid: AUTHORIZER,
    notify: false,
    ...(funcScopes ? { funcScopes } : {}),
  });
  const res = await call(sb.url, '/cgi-bin/component/api_query_auth', {
    query: { component_access_token: ctoken },
    body: { component_appid: COMPONENT.appid, authorization_code: auth.json.authorizationCode },
  });
  return { token: res.json.authorization_info.authorizer_access_token, refresh: res.json.authorization_info.authorizer_refresh_token };
}

const errcodeOf = async (p: Promise<Reply>) => (await p).json.errcode;

// ---- real-time flows -----------------------------------------------------------------------

describe('wechat-sandbox over real HTTP', () => {
  let sb: Sandbox;
  let receiver: Receiver;

  beforeAll(async () => {
    sb = await createSandbox({ knobs: { overlapS: 1, pushRetryDelayMs: 30, callbackTimeoutMs: 1000 } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await sb.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await admin(sb, 'POST', 'reset');
    receiver.received.length = 0;
    receiver.setReply(() => 'success');
  });

  it('runs the whole third-party flow: ticket → component token → authorization → refresh → business call, old token rejected after the overlap', async () => {
    // Ticket pushed on registration and acknowledged.
    const ticket = await componentWithTicket(sb, receiver);
    const push = receiver.of('component_verify_ticket')[0]!;
    expect(push.fields).toMatchObject({ AppId: COMPONENT.appid, InfoType: 'component_verify_ticket' });
    expect(Number(push.fields.CreateTime)).toBeGreaterThan(1_600_000_000);

    const ctoken = await componentToken(sb, ticket);

    const pre = await call(sb.url, '/cgi-bin/component/api_create_preauthcode', {
      query: { component_access_token: ctoken },
      body: { component_appid: COMPONENT.appid },
    });
    expect(pre.json).toEqual({ pre_auth_code: expect.stringMatching(/^preauthcode@@@/), expires_in: expect.any(Number) });

    // The merchant authorizes; the component's callback hears it with a fresh code.
    const auth = await admin(sb, 'POST', 'authorizations/authorize', {
      componentAppid: COMPONENT.appid,
      authorizerAppid: AUTHORIZER,
      preAuthCode: pre.json.pre_auth_code,
    });
    expect(auth.json.delivery).toEqual({ acknowledged: true, attempts: 1 });
    const event = receiver.of('authorized')[0]!.fields;
    expect(event).toMatchObject({
      AppId: COMPONENT.appid,
      AuthorizerAppid: AUTHORIZER,
      AuthorizationCode: auth.json.authorizationCode,
      AuthorizationCodeExpiredTime: String(auth.json.authorizationCodeExpiredTime),
      PreAuthCode: pre.json.pre_auth_code,
    });
    expect(Number(event.AuthorizationCodeExpiredTime)).toBeGreaterThan(Date.now() / 1000);

    const query = await call(sb.url, '/cgi-bin/component/api_query_auth', {
      query: { component_access_token: ctoken },
      body: { component_appid: COMPONENT.appid, authorization_code: event.AuthorizationCode },
    });
    const info = query.json.authorization_info;
    expect(info).toMatchObject({ authorizer_appid: AUTHORIZER, expires_in: 7200, authorizer_refresh_token: expect.any(String) });
    expect(info.func_info).toContainEqual({ funcscope_category: { id: 18 } });

    const refreshed = await call(sb.url, '/cgi-bin/component/api_authorizer_token', {
      query: { component_access_token: ctoken },
      body: { component_appid: COMPONENT.appid, authorizer_appid: AUTHORIZER, authorizer_refresh_token: info.authorizer_refresh_token },
    });
    expect(refreshed.json).toEqual({
      authorizer_access_token: expect.any(String),
      expires_in: 7200,
      authorizer_refresh_token: info.authorizer_refresh_token,
    });
    const fresh = refreshed.json.authorizer_access_token as string;
    const old = info.authorizer_access_token as string;
    expect(fresh).not.toBe(old);

    const accepted = await call(sb.url, '/wxa/commit', { query: { access_token: fresh }, body: { template_id: 1 } });
    expect(accepted.json).toMatchObject({ errcode: 0, errmsg: 'ok', echo: { tokenOwner: { kind: 'authorizer', appid: AUTHORIZER } } });
    expect(await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: old }, body: {} }))).toBe(0);

    await waitFor(async () => (await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: old }, body: {} }))) === 40001, 'the overlap to end');
    expect(await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: fresh }, body: {} }))).toBe(0);

    const { counts } = (await admin(sb, 'GET', 'calls')).json;
    expect(counts['/cgi-bin/component/api_component_token']).toBe(1);
    expect(counts['/cgi-bin/component/api_authorizer_token']).toBe(1);
  });

  it('re-sends a push with the same nonce, timestamp and body until the reply is exactly "success"', async () => {
    await componentWithTicket(sb, receiver);
    receiver.received.length = 0;
    receiver.setReply((n) => (n < 3 ? 'success\n' : 'success'));
    const push = await admin(sb, 'POST', 'tickets/push', { componentAppid: COMPONENT.appid });
    expect(push.json).toMatchObject({ pushed: true, acknowledged: true, attempts: 3, ticket: expect.stringMatching(/^ticket@@@/) });
    expect(receiver.received).toHaveLength(3);
    const [first, ...rest] = receiver.received;
    for (const retry of rest) {
      expect(retry.query.toString()).toBe(first!.query.toString());
      expect(retry.body).toBe(first!.body);
    }
    expect(first!.fields.ComponentVerifyTicket).toBe(push.json.ticket);
  });

  it('gives up after the configured retries when the callback never acknowledges', async () => {
    await admin(sb, 'PATCH', 'knobs', { pushRetries: 2 });
    receiver.setReply(() => 'fail');
    await admin(sb, 'POST', 'components', { ...COMPONENT, callbackUrl: receiver.url });
    await waitFor(() => receiver.received.length >= 3, 'the registration push and its retries');
    receiver.received.length = 0;
    const push = await admin(sb, 'POST', 'tickets/push', { componentAppid: COMPONENT.appid });
    expect(push.json).toMatchObject({ acknowledged: false, attempts: 3, lastReply: 'HTTP 200: fail' });
    expect(new Set(receiver.received.map((r) => r.query.get('nonce'))).size).toBe(1);
  });

  it('pushes tickets every interval: the runtime knob, and a per-component override', async () => {
    await admin(sb, 'POST', 'components', { ...COMPONENT, callbackUrl: receiver.url });
    await waitFor(() => receiver.of('component_verify_ticket').length === 1, 'the registration push');
    await admin(sb, 'PATCH', 'knobs', { ticketIntervalS: 0.1 });
    await waitFor(() => receiver.of('component_verify_ticket').length >= 3, 'pushes at a 0.1 s interval');
    const tickets = receiver.of('component_verify_ticket').map((r) => r.fields.ComponentVerifyTicket);
    expect(new Set(tickets).size).toBe(tickets.length);

    await admin(sb, 'PATCH', 'knobs', { ticketIntervalS: 600 });
    await admin(sb, 'POST', 'components', { ...COMPONENT, callbackUrl: receiver.url, ticketIntervalS: 0.1 });
    const before = receiver.of('component_verify_ticket').length;
    await waitFor(() => receiver.of('component_verify_ticket').length >= before + 3, 'pushes at the component interval');
    expect((await admin(sb, 'GET', 'state')).json.components[0]).toMatchObject({ appid: COMPONENT.appid, ticketIntervalS: 0.1 });
  });

  it('asks for a push on api_start_push_ticket', async () => {
    await componentWithTicket(sb, receiver);
    const before = receiver.of('component_verify_ticket').length;
    const bad = await call(sb.url, '/cgi-bin/component/api_start_push_ticket', { body: { component_appid: COMPONENT.appid, component_secret: 'x' } });
    expect(bad.json.errcode).toBe(40125);
    const ok = await call(sb.url, '/cgi-bin/component/api_start_push_ticket', {
      body: { component_appid: COMPONENT.appid, component_secret: COMPONENT.secret },
    });
    expect(ok.json).toEqual({ errcode: 0, errmsg: 'ok' });
    await waitFor(() => receiver.of('component_verify_ticket').length > before, 'the requested push');
  });

  it('answers api_component_token errors like WeChat, always with HTTP 200', async () => {
    const ticket = await componentWithTicket(sb, receiver);
    const token = (body: unknown, raw?: string) =>
      call(sb.url, '/cgi-bin/component/api_component_token', raw === undefined ? { body } : { raw, method: 'POST' });
    const base = { component_appid: COMPONENT.appid, component_appsecret: COMPONENT.secret, component_verify_ticket: ticket };
    const cases: Array<[unknown, number]> = [
      [{ ...base, component_appid: undefined }, 41002],
      [{ ...base, component_appid: 'wxunknown' }, 40013],
      [{ ...base, component_appsecret: undefined }, 41004],
      [{ ...base, component_appsecret: 'wrong' }, 40125],
      [{ ...base, component_verify_ticket: 'ticket@@@never-issued' }, 61006],
      [{ ...base, component_verify_ticket: undefined }, 61006],
    ];
    for (const [body, errcode] of cases) {
      const res = await token(body);
      expect([res.status, res.json.errcode, typeof res.json.errmsg]).toEqual([200, errcode, 'string']);
    }
    expect((await token(undefined, '{not json')).json.errcode).toBe(47001);
    expect((await token(undefined, '[1]')).json.errcode).toBe(47001);
    // An oversized body is read out and answered 47001 like WeChat; the connection serves the next call.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: Buffer) =>
      new Promise<{ reused: boolean; json: WechatJson }>((resolve, reject) => {
        const req = httpRequest(`${sb.url}/cgi-bin/component/api_component_token`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ reused: req.reusedSocket, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const oversized = Buffer.from(JSON.stringify({ ...base, padding: 'x'.repeat(1024 * 1024) }));
    expect(await post(oversized)).toEqual({ reused: false, json: expect.objectContaining({ errcode: 47001 }) });
    expect(await post(Buffer.from(JSON.stringify(base)))).toEqual({ reused: true, json: expect.objectContaining({ component_access_token: expect.any(String) }) });
    agent.destroy();

    // A superseded ticket works during the grace window only.
    await admin(sb, 'PATCH', 'knobs', { ticketGraceS: 0 });
    await admin(sb, 'POST', 'tickets/push', { componentAppid: COMPONENT.appid });
    expect((await token(base)).json.errcode).toBe(61005);
  });

  it('simulates re-authorization and revocation with their events', async () => {
    const ctoken = await componentToken(sb, await componentWithTicket(sb, receiver));
    const { token, refresh } = await authorizerToken(sb, ctoken, [17]);
    expect(await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: token }, body: {} }))).toBe(61007);

    const update = await admin(sb, 'POST', 'authorizations/update', { componentAppid: COMPONENT.appid, authorizerAppid: AUTHORIZER, funcScopes: [17, 18] });
    expect(receiver.of('updateauthorized')[0]!.fields).toMatchObject({ AuthorizerAppid: AUTHORIZER, AuthorizationCode: update.json.authorizationCode });
    expect(await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: token }, body: {} }))).toBe(0);

    const info = await call(sb.url, '/cgi-bin/component/api_get_authorizer_info', {
      query: { component_access_token: ctoken },
      body: { component_appid: COMPONENT.appid, authorizer_appid: AUTHORIZER },
    });
    expect(info.json.authorization_info).toEqual({
      authorizer_appid: AUTHORIZER,
      authorizer_refresh_token: refresh,
      func_info: [{ funcscope_category: { id: 17 } }, { funcscope_category: { id: 18 } }],
    });
    expect(info.json.authorizer_info.user_name).toMatch(/^gh_/);

    const revoke = await admin(sb, 'POST', 'authorizations/unauthorize', { componentAppid: COMPONENT.appid, authorizerAppid: AUTHORIZER });
    expect(revoke.json.delivery.acknowledged).toBe(true);
    expect(receiver.of('unauthorized')[0]!.fields).toMatchObject({ AppId: COMPONENT.appid, AuthorizerAppid: AUTHORIZER });
    expect(receiver.of('unauthorized')[0]!.fields.AuthorizationCode).toBeUndefined();
    expect(await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: token }, body: {} }))).toBe(40001);
    const again = await call(sb.url, '/cgi-bin/component/api_authorizer_token', {
      query: { component_access_token: ctoken },
      body: { component_appid: COMPONENT.appid, authorizer_appid: AUTHORIZER, authorizer_refresh_token: refresh },
    });
    expect(again.json.errcode).toBe(61023);
    expect((await admin(sb, 'POST', 'authorizations/update', { componentAppid: COMPONENT.appid, authorizerAppid: AUTHORIZER })).status).toBe(409);
  });

  it('cuts the connection, answers errcode bursts, delays and sends oversized bodies on demand', async () => {
    await admin(sb, 'POST', 'apps', APP);
    const { access_token } = (await call(sb.url, '/cgi-bin/token', { query: { grant_type: 'client_credential', appid: APP.appid, secret: APP.secret } })).json;
    const commit = () => call(sb.url, '/wxa/commit', { query: { access_token }, body: {} });

    await admin(sb, 'POST', 'faults', { type: 'errcode', path: '/wxa/commit', errcode: -1, count: 2 });
    expect([await errcodeOf(commit()), await errcodeOf(commit()), await errcodeOf(commit())]).toEqual([-1, -1, 0]);

    await admin(sb, 'POST', 'faults', { type: 'reset', path: '/wxa/commit' });
    await expect(commit()).rejects.toThrow();
    expect(await errcodeOf(commit())).toBe(0);

    await admin(sb, 'POST', 'faults', { type: 'latency', path: '*', ms: 150 });
    const started = Date.now();
    expect(await errcodeOf(commit())).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await admin(sb, 'GET', 'faults')).json.faults).toEqual([{ type: 'latency', path: '*', ms: 150 }]);
    await admin(sb, 'DELETE', 'faults');

    await admin(sb, 'POST', 'faults', { type: 'oversized', path: '/wxa/commit', bytes: 3_000_000 });
    await admin(sb, 'POST', 'faults', { type: 'oversized', path: '/wxa/getwxadevinfo', bytes: 2_000_000, chunked: true });
    const big = await commit();
    expect([big.headers.get('content-length'), big.bytes.length]).toEqual(['3000000', 3_000_000]);
    expect(big.json.errcode).toBe(0);
    const chunked = await call(sb.url, '/wxa/getwxadevinfo', { query: { access_token } });
    expect([chunked.headers.get('content-length'), chunked.headers.get('transfer-encoding'), chunked.bytes.length]).toEqual([
      null,
      'chunked',
      2_000_000,
    ]);

    const calls = (await admin(sb, 'GET', 'calls')).json.calls.filter((c: { path: string }) => c.path === '/wxa/commit');
    expect(calls.map((c: { errcode: number | null }) => c.errcode)).toEqual([-1, -1, 0, null, 0, 0, 0]);
  });
});

// ---- endpoints and knobs, on a clock the test moves --------------------------------------

describe('wechat-sandbox endpoints', () => {
  let sb: Sandbox;
  let clock: ManualClock;
  let ctoken: string;
  let atoken: string;
  let refresh: string;
  let apptoken: string;

  const getToken = (secret = APP.secret, extra: Record<string, string> = {}) =>
    call(sb.url, '/cgi-bin/token', { query: { grant_type: 'client_credential', appid: APP.appid, secret, ...extra } });
  const stable = (body: Record<string, unknown>) =>
    call(sb.url, '/cgi-bin/stable_token', { body: { grant_type: 'client_credential', appid: APP.appid, secret: APP.secret, ...body } });

  beforeAll(async () => {
    clock = new ManualClock(Date.now());
    sb = await createSandbox({ clock, seed: { apps: [APP], components: [COMPONENT] } });
  });
  afterAll(() => sb.close());
  beforeEach(async () => {
    await admin(sb, 'POST', 'reset');
    const ticket = (await admin(sb, 'POST', 'tickets/push', { componentAppid: COMPONENT.appid })).json;
    expect(ticket).toMatchObject({ pushed: false, attempts: 0 });
    ctoken = await componentToken(sb, ticket.ticket);
    ({ token: atoken, refresh } = await authorizerToken(sb, ctoken));
    apptoken = (await getToken()).json.access_token;
  });

  it('validates business tokens: 41001, 40014, 40001, 42001, 48001', async () => {
    const commit = (query: Record<string, string>) => errcodeOf(call(sb.url, '/wxa/commit', { query, body: {} }));
    expect(await commit({})).toBe(41001);
    expect(await commit({ access_token: 'short' })).toBe(40014);
    expect(await commit({ access_token: `91_${'A'.repeat(128)}` })).toBe(40001);
    expect(await commit({ access_token: ctoken })).toBe(48001);
    expect(await errcodeOf(call(sb.url, '/wxa/gettemplatedraftlist', { query: { access_token: atoken } }))).toBe(48001);
    expect(await errcodeOf(call(sb.url, '/wxa/gettemplatedraftlist', { query: { access_token: apptoken } }))).toBe(48001);
    clock.advance(7200_000);
    expect(await commit({ access_token: atoken })).toBe(42001);
    expect(await commit({ access_token: apptoken })).toBe(42001);
  });

  it('force-expires and force-supersedes tokens through the admin API', async () => {
    const commit = (t: string) => errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: t }, body: {} }));
    expect((await admin(sb, 'POST', 'tokens/expire', { token: atoken })).json).toEqual({ ok: true });
    expect(await commit(atoken)).toBe(42001);
    expect((await admin(sb, 'POST', 'tokens/supersede', { kind: 'app', appid: APP.appid })).json).toEqual({ ok: true });
    expect(await commit(apptoken)).toBe(40001);
    const replacement = sb.state.tokens.current({ channel: 'token', appid: APP.appid })!.token;
    expect(await commit(replacement)).toBe(0);
    expect((await admin(sb, 'POST', 'tokens/supersede', { kind: 'component', appid: COMPONENT.appid })).status).toBe(200);
    expect(await errcodeOf(call(sb.url, '/wxa/gettemplatedraftlist', { query: { access_token: ctoken } }))).toBe(40001);
    expect((await admin(sb, 'POST', 'tokens/expire', { token: 'nope' })).status).toBe(404);
  });

  it('keeps the previous token for the overlap window after any refresh', async () => {
    await admin(sb, 'PATCH', 'knobs', { overlapS: 60 });
    const second = (await getToken()).json.access_token;
    const commit = (t: string) => errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: t }, body: {} }));
    clock.advance(59_000);
    expect([await commit(apptoken), await commit(second)]).toEqual([0, 0]);
    clock.advance(1_000);
    expect([await commit(apptoken), await commit(second)]).toEqual([40001, 0]);
  });

  it('lets the token lifetime be changed at runtime', async () => {
    await admin(sb, 'PATCH', 'knobs', { tokenTtlS: 2 });
    const res = await getToken();
    expect(res.json.expires_in).toBe(2);
    clock.advance(2_000);
    expect(await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: res.json.access_token }, body: {} }))).toBe(42001);
  });

  it('answers /cgi-bin/token errors like WeChat', async () => {
    expect(await errcodeOf(getToken(APP.secret, { grant_type: 'password' }))).toBe(40002);
    expect(await errcodeOf(getToken(APP.secret, { appid: 'wxnobody' }))).toBe(40013);
    expect(await errcodeOf(getToken(''))).toBe(41004);
    expect(await errcodeOf(getToken('wrong'))).toBe(40125);
  });

  it('serves stable_token: the same token in normal mode, swapped near expiry, force_refresh at most once per 30 s', async () => {
    const first = (await stable({})).json;
    expect(first).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    expect(first.access_token).not.toBe(apptoken);
    clock.advance(1000_000);
    expect((await stable({ force_refresh: false })).json).toEqual({ access_token: first.access_token, expires_in: 6200 });

    clock.advance(5_950_000);
    const swapped = (await stable({})).json;
    expect(swapped.access_token).not.toBe(first.access_token);
    expect(await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: first.access_token }, body: {} }))).toBe(0);

    const forced = (await stable({ force_refresh: true })).json;
    expect(forced.access_token).not.toBe(swapped.access_token);
    expect(await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: swapped.access_token }, body: {} }))).toBe(40001);
    expect(await errcodeOf(stable({ force_refresh: true }))).toBe(45011);
    clock.advance(30_000);
    expect((await stable({ force_refresh: true })).json.access_token).toEqual(expect.any(String));

    expect(await errcodeOf(stable({ secret: 'wrong' }))).toBe(40125);
    expect(await errcodeOf(stable({ grant_type: 'x' }))).toBe(40002);
    await admin(sb, 'PATCH', 'knobs', { stableSwapS: 10, forceRefreshIntervalS: 0 });
    expect(await errcodeOf(stable({ force_refresh: true }))).toBeUndefined();
  });

  it('applies daily quotas per endpoint (45009), changeable and resettable at runtime', async () => {
    await admin(sb, 'PATCH', 'knobs', { quotas: { '/cgi-bin/token': 2 } });
    expect(await errcodeOf(getToken())).toBeUndefined();
    expect(await errcodeOf(getToken())).toBe(45009);
    expect((await admin(sb, 'GET', 'state')).json.quotas['/cgi-bin/token']).toEqual({ used: 2, limit: 2 });
    await admin(sb, 'POST', 'quotas/reset');
    expect([await errcodeOf(getToken()), await errcodeOf(getToken()), await errcodeOf(getToken())]).toEqual([undefined, undefined, 45009]);
    await admin(sb, 'PATCH', 'knobs', { quotas: { '/cgi-bin/token': null, '/wxa/commit': 0 } });
    expect(await errcodeOf(getToken())).toBeUndefined();
    expect(await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: apptoken }, body: {} }))).toBe(45009);
    clock.advance(24 * 3600_000);
    await admin(sb, 'PATCH', 'knobs', { quotas: { '/wxa/commit': 1 } });
    // A new day: the call gets past the quota to the token check (the token is long superseded).
    expect(await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: apptoken }, body: {} }))).toBe(40001);
  });

  it('checks component calls: token kind, component_appid, single-use codes (61009) that expire (61010), refresh tokens (61023)', async () => {
    const post = (path: string, body: unknown, token = ctoken) => call(sb.url, path, { query: { component_access_token: token }, body });
    expect(await errcodeOf(post('/cgi-bin/component/api_create_preauthcode', { component_appid: COMPONENT.appid }, atoken))).toBe(48001);
    expect(await errcodeOf(post('/cgi-bin/component/api_create_preauthcode', {}))).toBe(41002);
    expect(await errcodeOf(post('/cgi-bin/component/api_create_preauthcode', { component_appid: 'wxother' }))).toBe(40013);
    expect(await errcodeOf(call(sb.url, '/cgi-bin/component/api_create_preauthcode', { body: { component_appid: COMPONENT.appid } }))).toBe(41001);

    const code = (await admin(sb, 'POST', 'authorizations/authorize', { componentAppid: COMPONENT.appid, authorizerAppid: 'wxsecond', notify: false }))
      .json.authorizationCode;
    const query = () => post('/cgi-bin/component/api_query_auth', { component_appid: COMPONENT.appid, authorization_code: code });
    expect((await query()).json.authorization_info.authorizer_appid).toBe('wxsecond');
    expect(await errcodeOf(query())).toBe(61009);
    const late = (await admin(sb, 'POST', 'authorizations/authorize', { componentAppid: COMPONENT.appid, authorizerAppid: 'wxsecond', notify: false }))
      .json.authorizationCode;
    clock.advance(3600_000);
    expect(await errcodeOf(post('/cgi-bin/component/api_query_auth', { component_appid: COMPONENT.appid, authorization_code: late }))).toBe(61010);

    const refreshBody = { component_appid: COMPONENT.appid, authorizer_appid: AUTHORIZER, authorizer_refresh_token: 'refreshtoken@@@bogus' };
    const newCtoken = ctoken;
    expect(await errcodeOf(post('/cgi-bin/component/api_authorizer_token', refreshBody, newCtoken))).toBe(61023);
    expect((await post('/cgi-bin/component/api_authorizer_token', { ...refreshBody, authorizer_refresh_token: refresh }, newCtoken)).json.authorizer_refresh_token).toBe(refresh);

    await admin(sb, 'PATCH', 'knobs', { rotateRefreshTokens: true });
    const rotated = (await post('/cgi-bin/component/api_authorizer_token', { ...refreshBody, authorizer_refresh_token: refresh }, newCtoken)).json;
    expect(rotated.authorizer_refresh_token).not.toBe(refresh);
    expect(await errcodeOf(post('/cgi-bin/component/api_authorizer_token', { ...refreshBody, authorizer_refresh_token: refresh }, newCtoken))).toBe(61023);

    const pre = await post('/cgi-bin/component/api_create_preauthcode', { component_appid: COMPONENT.appid }, newCtoken);
    const used = { componentAppid: COMPONENT.appid, authorizerAppid: 'wxthird', preAuthCode: pre.json.pre_auth_code, notify: false };
    expect((await admin(sb, 'POST', 'authorizations/authorize', used)).status).toBe(200);
    expect((await admin(sb, 'POST', 'authorizations/authorize', used)).status).toBe(409);
  });

  it('lists authorizers in pages of at most 500', async () => {
    for (const appid of ['wxb1', 'wxb2', 'wxb3']) {
      await admin(sb, 'POST', 'authorizations/authorize', { componentAppid: COMPONENT.appid, authorizerAppid: appid, notify: false });
    }
    const list = (body: Record<string, unknown>) =>
      call(sb.url, '/cgi-bin/component/api_get_authorizer_list', { query: { component_access_token: ctoken }, body: { component_appid: COMPONENT.appid, ...body } });
    const page = (await list({ offset: 1, count: 2 })).json;
    expect(page.total_count).toBe(4);
    expect(page.list.map((a: { authorizer_appid: string }) => a.authorizer_appid)).toEqual(['wxb1', 'wxb2']);
    expect(page.list[0]).toEqual({ authorizer_appid: 'wxb1', refresh_token: expect.stringMatching(/^refreshtoken@@@/), auth_time: expect.any(Number) });
    expect(await errcodeOf(list({ offset: 0, count: 501 }))).toBe(40097);
    expect(await errcodeOf(call(sb.url, '/cgi-bin/component/api_get_authorizer_info', {
      query: { component_access_token: ctoken },
      body: { component_appid: COMPONENT.appid, authorizer_appid: 'wxnobody' },
    }))).toBe(61003);
  });

  it('echoes what a business endpoint received: method, path, query, headers, body length and sha256', async () => {
    const body = JSON.stringify({ content: '你好 sandbox' });
    const res = await call(sb.url, '/wxa/msg_sec_check', {
      method: 'POST',
      query: { access_token: atoken, lang: 'zh_CN' },
      raw: body,
      headers: { 'content-type': 'application/json', 'user-agent': 'e2e', 'x-request-id': 'r1', 'x-forwarded-for': '10.0.0.1' },
    });
    expect(res.json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      echo: {
        method: 'POST',
        path: '/wxa/msg_sec_check',
        query: { raw: `access_token=${atoken}&lang=zh_CN`, parsed: { access_token: atoken, lang: 'zh_CN' } },
        headers: expect.objectContaining({
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'e2e',
          'x-request-id': 'r1',
          'x-forwarded-for': '10.0.0.1',
        }),
        bodyLength: Buffer.byteLength(body),
        bodySha256: createHash('sha256').update(body).digest('hex'),
        tokenOwner: { kind: 'authorizer', appid: AUTHORIZER, componentAppid: COMPONENT.appid },
      },
    });
    const dev = await call(sb.url, '/wxa/getwxadevinfo', { query: { access_token: apptoken } });
    expect(dev.json.echo).toMatchObject({ method: 'GET', bodyLength: 0, tokenOwner: { kind: 'app', appid: APP.appid } });
    const drafts = await call(sb.url, '/wxa/gettemplatedraftlist', { query: { access_token: ctoken } });
    expect(drafts.json).toMatchObject({ errcode: 0, draft_list: [], echo: { tokenOwner: { kind: 'component', appid: COMPONENT.appid } } });
    const generic = await call(sb.url, '/cgi-bin/message/custom/send', { query: { access_token: atoken }, body: { touser: 'o1' } });
    expect(generic.json).toMatchObject({ errcode: 0, echo: { path: '/cgi-bin/message/custom/send', tokenOwner: { kind: 'authorizer' } } });
    expect(await errcodeOf(call(sb.url, '/cgi-bin/message/custom/send', { body: {} }))).toBe(41001);
  });

  it('returns getwxacode as image bytes with the echo in x-sandbox-echo', async () => {
    const res = await call(sb.url, '/wxa/getwxacode', { query: { access_token: atoken }, body: { path: 'pages/index?x=中' } });
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.bytes.subarray(0, 4).toString('latin1')).toBe('\x89PNG');
    expect(res.bytes.length).toBe(Number(res.headers.get('content-length')));
    const echo = JSON.parse(res.headers.get('x-sandbox-echo')!);
    expect(echo).toMatchObject({ method: 'POST', path: '/wxa/getwxacode', tokenOwner: { kind: 'authorizer', appid: AUTHORIZER } });
    expect(echo.bodySha256).toBe(createHash('sha256').update(JSON.stringify({ path: 'pages/index?x=中' })).digest('hex'));
    expect((await call(sb.url, '/wxa/getwxacode', { query: { access_token: 'bad' }, body: {} })).json.errcode).toBe(40014);
  });

  it('serves jscode2session with the component token and component_appid', async () => {
    const q = { component_access_token: ctoken, component_appid: COMPONENT.appid, appid: AUTHORIZER, js_code: 'code1', grant_type: 'authorization_code' };
    const res = await call(sb.url, '/sns/component/jscode2session', { query: q });
    expect(res.json).toMatchObject({ errcode: 0, openid: expect.stringMatching(/^o/), session_key: expect.any(String), unionid: expect.any(String) });
    expect(res.json.echo.tokenOwner).toEqual({ kind: 'component', appid: COMPONENT.appid });
    expect(await errcodeOf(call(sb.url, '/sns/component/jscode2session', { query: { ...q, component_appid: '' } }))).toBe(41002);
    expect(await errcodeOf(call(sb.url, '/sns/component/jscode2session', { query: { ...q, appid: 'wxnobody' } }))).toBe(61003);
    expect(await errcodeOf(call(sb.url, '/sns/component/jscode2session', { query: { ...q, component_access_token: atoken } }))).toBe(48001);
  });

  it('accepts a large multipart upload and hashes it while streaming', async () => {
    const boundary = 'sandboxboundary';
    const payload = Buffer.alloc(8 * 1024 * 1024, 7);
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      payload,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await call(sb.url, '/cgi-bin/media/upload', {
      method: 'POST',
      query: { access_token: apptoken, type: 'image' },
      raw: body,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(res.json).toMatchObject({ errcode: 0, type: 'image', media_id: expect.any(String), created_at: expect.any(Number) });
    expect(res.json.echo).toMatchObject({ bodyLength: body.length, bodySha256: createHash('sha256').update(body).digest('hex') });
    expect(await errcodeOf(call(sb.url, '/cgi-bin/media/upload', { query: { access_token: apptoken }, body: {} }))).toBe(41005);
  });

  it('logs calls with masked credentials and counts per path; the log can be reset and turned off', async () => {
    await admin(sb, 'DELETE', 'calls');
    await getToken('wrong');
    await call(sb.url, '/wxa/commit', { query: { access_token: apptoken }, body: {} });
    const log = (await admin(sb, 'GET', 'calls')).json;
    expect(log.counts).toEqual({ '/cgi-bin/token': 1, '/wxa/commit': 1 });
    expect(log.calls).toEqual([
      { method: 'GET', path: '/cgi-bin/token', query: `grant_type=client_credential&appid=${APP.appid}&secret=***`, at: clock.now(), errcode: 40125 },
      { method: 'POST', path: '/wxa/commit', query: 'access_token=***', at: clock.now(), errcode: 0 },
    ]);
    expect(JSON.stringify(log)).not.toContain(apptoken);
    await admin(sb, 'PATCH', 'knobs', { callLog: false });
    await admin(sb, 'DELETE', 'calls');
    await call(sb.url, '/wxa/commit', { query: { access_token: apptoken }, body: {} });
    expect((await admin(sb, 'GET', 'calls')).json).toEqual({ counts: { '/wxa/commit': 1 }, calls: [] });
  });

  it('summarises state without secrets, rejects bad admin requests, and resets to the seed', async () => {
    const state = (await admin(sb, 'GET', 'state')).json;
    expect(state.components).toEqual([{ appid: COMPONENT.appid, callbackUrl: null, ticketIntervalS: 600, latestTicketAt: expect.any(Number) }]);
    expect(state.apps).toEqual([{ appid: APP.appid }]);
    expect(state.authorizations).toEqual([expect.objectContaining({ authorizerAppid: AUTHORIZER, status: 'authorized' })]);
    expect(state.tokens.current).toHaveLength(3);
    const text = JSON.stringify(state);
    for (const secret of [COMPONENT.secret, COMPONENT.encodingAesKey, APP.secret, ctoken, atoken, refresh]) expect(text).not.toContain(secret);

    expect((await admin(sb, 'POST', 'components', { appid: 'x' })).status).toBe(400);
    expect((await admin(sb, 'POST', 'faults', { type: 'explode', path: '/p' })).status).toBe(400);
    expect((await admin(sb, 'PATCH', 'knobs', { tokenTtlS: -1 })).status).toBe(400);
    expect((await admin(sb, 'PATCH', 'knobs', { nope: 1 })).status).toBe(400);
    expect((await admin(sb, 'GET', 'nothing')).status).toBe(404);
    expect((await admin(sb, 'POST', 'tickets/push', { componentAppid: 'wxnobody' })).status).toBe(404);

    await admin(sb, 'PATCH', 'knobs', { tokenTtlS: 5 });
    await admin(sb, 'POST', 'reset');
    const after = (await admin(sb, 'GET', 'state')).json;
    expect(after).toMatchObject({ apps: [{ appid: APP.appid }], authorizations: [], tokens: { issued: 0, current: [] }, knobs: { tokenTtlS: 7200 } });
    expect(await errcodeOf(call(sb.url, '/wxa/commit', { query: { access_token: apptoken }, body: {} }))).toBe(40001);
  });
});

// ---- standalone --------------------------------------------------------------------------

describe('wechat-sandbox standalone (dist/apps/wechat-sandbox/main.js)', () => {
  const main = 'dist/apps/wechat-sandbox/main.js';
  const runIfBuilt = existsSync(main) ? it : it.skip;

  runIfBuilt('starts from env with seed data, prints its URL, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [main, '--port', '0'], {
      env: { ...process.env, SANDBOX_SEED: JSON.stringify({ apps: [APP] }), SANDBOX_TOKEN_TTL_S: '3', SANDBOX_CALL_LOG: 'off' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const url = await waitFor(() => /wechat-sandbox listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)?.[1], 'the listening line', 5000);
    const res = await call(url, '/cgi-bin/token', { query: { grant_type: 'client_credential', appid: APP.appid, secret: APP.secret } });
    expect(res.json.expires_in).toBe(3);
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  runIfBuilt('exits non-zero with one line naming a bad variable', async () => {
    const child = spawn(process.execPath, [main], { env: { ...process.env, SANDBOX_OVERLAP_S: 'soon' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(code).not.toBe(0);
    expect(err.trim().split('\n')).toEqual([expect.stringContaining('SANDBOX_OVERLAP_S')]);
  });
});
