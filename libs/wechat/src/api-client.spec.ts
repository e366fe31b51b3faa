import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { funcScopesOf, WechatApiClient, WechatApiError, WechatUnreachableError } from './api-client.js';

interface Seen {
  method: string;
  url: string;
  body: unknown;
}

type Handler = (req: Seen, res: ServerResponse) => void;

/** A real HTTP server on an ephemeral port standing in for WeChat. */
async function fakeWechat(handler: Handler): Promise<{ url: string; seen: Seen[]; server: Server; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const entry = { method: req.method ?? '', url: req.url ?? '', body: text ? (JSON.parse(text) as unknown) : undefined };
      seen.push(entry);
      handler(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bind, note it, release. */
async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

const SECRET = 'appsecret-0123456789abcdef';
const TICKET = 'ticket@@@verify-ticket-value';
const CAT = 'component-access-token-value-xyz';
const REFRESH = 'refreshtoken@@@refresh-value';

describe('WechatApiClient', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()!();
  });

  async function server(handler: Handler) {
    const s = await fakeWechat(handler);
    closers.push(s.close);
    return s;
  }
  function client(opts: ConstructorParameters<typeof WechatApiClient>[0]) {
    const c = new WechatApiClient(opts);
    closers.push(() => c.close());
    return c;
  }

  it('mints a component token from the ticket and parses the answer', async () => {
    const s = await server((_req, res) => json(res, { component_access_token: 'CAT1', expires_in: 7200 }));
    const c = client({ baseUrl: s.url });
    await expect(c.componentToken({ componentAppid: 'wxc', componentAppsecret: SECRET, componentVerifyTicket: TICKET })).resolves.toEqual({
      component_access_token: 'CAT1',
      expires_in: 7200,
    });
    expect(s.seen[0]).toEqual({
      method: 'POST',
      url: '/cgi-bin/component/api_component_token',
      body: { component_appid: 'wxc', component_appsecret: SECRET, component_verify_ticket: TICKET },
    });
  });

  it('sends the component token in the query and the rest in the body, for every endpoint', async () => {
    const answers: Record<string, unknown> = {
      '/cgi-bin/component/api_create_preauthcode': { pre_auth_code: 'pre', expires_in: 1800 },
      '/cgi-bin/component/api_query_auth': {
        authorization_info: {
          authorizer_appid: 'wxa',
          authorizer_access_token: 'AAT',
          expires_in: 7200,
          authorizer_refresh_token: 'RT',
          func_info: [{ funcscope_category: { id: 1 } }, { funcscope_category: { id: 17 } }],
        },
      },
      '/cgi-bin/component/api_authorizer_token': { authorizer_access_token: 'AAT2', expires_in: 7200, authorizer_refresh_token: 'RT2' },
      '/cgi-bin/component/api_get_authorizer_info': { authorizer_info: { nick_name: 'n' }, authorization_info: { authorizer_appid: 'wxa' } },
      '/cgi-bin/component/api_get_authorizer_list': { total_count: 1, list: [{ authorizer_appid: 'wxa', refresh_token: 'RT', auth_time: 1 }] },
      '/cgi-bin/component/api_start_push_ticket': { errcode: 0, errmsg: 'ok' },
      '/cgi-bin/stable_token': { access_token: 'AT', expires_in: 7200 },
    };
    const s = await server((req, res) => json(res, answers[req.url.split('?')[0]!] ?? { errcode: 404, errmsg: 'no' }));
    const c = client({ baseUrl: `${s.url}/` });

    await expect(c.createPreAuthCode(CAT, 'wxc')).resolves.toMatchObject({ pre_auth_code: 'pre' });
    const auth = await c.queryAuth(CAT, 'wxc', 'authcode');
    expect(auth.authorization_info.authorizer_refresh_token).toBe('RT');
    expect(funcScopesOf(auth.authorization_info)).toEqual([1, 17]);
    await expect(
      c.authorizerToken(CAT, { componentAppid: 'wxc', authorizerAppid: 'wxa', authorizerRefreshToken: REFRESH }),
    ).resolves.toEqual({ authorizer_access_token: 'AAT2', expires_in: 7200, authorizer_refresh_token: 'RT2' });
    await expect(c.getAuthorizerInfo(CAT, 'wxc', 'wxa')).resolves.toMatchObject({ authorization_info: { authorizer_appid: 'wxa' } });
    await expect(c.getAuthorizerList(CAT, 'wxc', 0, 500)).resolves.toEqual(answers['/cgi-bin/component/api_get_authorizer_list']);
    await expect(c.startPushTicket('wxc', SECRET)).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
    await expect(c.stableToken({ appid: 'wxapp', secret: SECRET, forceRefresh: true })).resolves.toEqual({ access_token: 'AT', expires_in: 7200 });

    const q = `component_access_token=${CAT}`;
    expect(s.seen.map((r) => [r.url, r.body])).toEqual([
      [`/cgi-bin/component/api_create_preauthcode?${q}`, { component_appid: 'wxc' }],
      [`/cgi-bin/component/api_query_auth?${q}`, { component_appid: 'wxc', authorization_code: 'authcode' }],
      [`/cgi-bin/component/api_authorizer_token?${q}`, { component_appid: 'wxc', authorizer_appid: 'wxa', authorizer_refresh_token: REFRESH }],
      [`/cgi-bin/component/api_get_authorizer_info?${q}`, { component_appid: 'wxc', authorizer_appid: 'wxa' }],
      [`/cgi-bin/component/api_get_authorizer_list?${q}`, { component_appid: 'wxc', offset: 0, count: 500 }],
      ['/cgi-bin/component/api_start_push_ticket', { component_appid: 'wxc', component_secret: SECRET }],
      ['/cgi-bin/stable_token', { grant_type: 'client_credential', appid: 'wxapp', secret: SECRET, force_refresh: true }],
    ]);
  });

  it('turns a non-zero errcode into WechatApiError naming the endpoint, with no secret in it', async () => {
    // WeChat's errmsg is echoed; make it echo the secrets to prove they are scrubbed.
    const s = await server((_req, res) => json(res, { errcode: 61023, errmsg: `invalid refresh token ${REFRESH} via ${CAT} rid: 1` }));
    const c = client({ baseUrl: s.url });
    const err = await caught(c.authorizerToken(CAT, { componentAppid: 'wxc', authorizerAppid: 'wxa', authorizerRefreshToken: REFRESH }));
    expect(err).toBeInstanceOf(WechatApiError);
    expect(err).toMatchObject({ errcode: 61023, endpoint: '/cgi-bin/component/api_authorizer_token' });
    expect(err.message).toContain('61023');
    expect(err.message).toContain('rid: 1');
    for (const text of [err.message, (err as WechatApiError).errmsg, String(err.stack), JSON.stringify(err)]) {
      expect(text).not.toContain(REFRESH);
      expect(text).not.toContain(CAT);
    }
  });

  it('reports errcode 40001 on a non-2xx status as a WeChat answer', async () => {
    const s = await server((_req, res) => json(res, { errcode: 40001, errmsg: 'invalid credential' }, 500));
    const err = await caught(client({ baseUrl: s.url }).stableToken({ appid: 'wxapp', secret: SECRET, forceRefresh: false }));
    expect(err).toBeInstanceOf(WechatApiError);
    expect((err as WechatApiError).errcode).toBe(40001);
  });

  it('treats an answer that is not WeChat JSON as unreachable, without retrying elsewhere', async () => {
    const backup = await server((_req, res) => json(res, { access_token: 'WRONG', expires_in: 7200 }));
    const s = await server((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>bad gateway</html>');
    });
    const err = await caught(client({ baseUrl: s.url, backupUrl: backup.url }).stableToken({ appid: 'wxapp', secret: SECRET, forceRefresh: false }));
    expect(err).toBeInstanceOf(WechatUnreachableError);
    expect((err as WechatUnreachableError).causeCode).toBe('HTTP_502');
    expect(backup.seen).toHaveLength(0);
  });

  it('treats a success answer missing the token as a bad response', async () => {
    const s = await server((_req, res) => json(res, { expires_in: 7200 }));
    const err = await caught(client({ baseUrl: s.url }).stableToken({ appid: 'wxapp', secret: SECRET, forceRefresh: false }));
    expect(err).toMatchObject({ name: 'WechatUnreachableError', causeCode: 'BAD_RESPONSE' });
  });

  it('fails over to the backup host when the base host refuses the connection', async () => {
    const backup = await server((_req, res) => json(res, { component_access_token: 'FROM_BACKUP', expires_in: 7200 }));
    const c = client({ baseUrl: await closedPortUrl(), backupUrl: backup.url, timeoutMs: 2_000 });
    const res = await c.componentToken({ componentAppid: 'wxc', componentAppsecret: SECRET, componentVerifyTicket: TICKET });
    expect(res.component_access_token).toBe('FROM_BACKUP');
    expect(backup.seen).toHaveLength(1);
  });

  it('fails over when the TLS handshake with the base host fails', async () => {
    const plain = await server((_req, res) => json(res, {}));
    const backup = await server((_req, res) => json(res, { access_token: 'FROM_BACKUP', expires_in: 7200 }));
    const c = client({ baseUrl: plain.url.replace('http:', 'https:'), backupUrl: backup.url, timeoutMs: 2_000 });
    await expect(c.stableToken({ appid: 'wxapp', secret: SECRET, forceRefresh: false })).resolves.toMatchObject({ access_token: 'FROM_BACKUP' });
    expect(plain.seen).toHaveLength(0);
  });

  it('reports both hosts down as unreachable, naming the cause code and no secret', async () => {
    const c = client({ baseUrl: await closedPortUrl(), backupUrl: await closedPortUrl(), timeoutMs: 2_000 });
    const err = await caught(c.componentToken({ componentAppid: 'wxc', componentAppsecret: SECRET, componentVerifyTicket: TICKET }));
    expect(err).toBeInstanceOf(WechatUnreachableError);
    expect(err).toMatchObject({ endpoint: '/cgi-bin/component/api_component_token', causeCode: 'ECONNREFUSED' });
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain(TICKET);
  });

  it('does not fail over when the backup is disabled', async () => {
    const c = client({ baseUrl: await closedPortUrl(), backupUrl: '', timeoutMs: 2_000 });
    const err = await caught(c.createPreAuthCode(CAT, 'wxc'));
    expect(err).toMatchObject({ name: 'WechatUnreachableError', causeCode: 'ECONNREFUSED' });
    expect(err.message).not.toContain(CAT);
  });

  it('times out on a host that accepts but never answers, and does not repeat the request elsewhere', async () => {
    const silent = await server(() => undefined);
    const backup = await server((_req, res) => json(res, { access_token: 'WRONG', expires_in: 7200 }));
    const c = client({ baseUrl: silent.url, backupUrl: backup.url, timeoutMs: 300 });
    const started = Date.now();
    const err = await caught(c.stableToken({ appid: 'wxapp', secret: SECRET, forceRefresh: false }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(WechatUnreachableError);
    expect((err as WechatUnreachableError).causeCode).toBe('TIMEOUT');
    expect((err as WechatUnreachableError).timedOut).toBe(true);
    expect(err.message).not.toContain(SECRET);
    expect(backup.seen).toHaveLength(0);
  });

  it('refuses an answer over 8 MiB without reading the rest (RESPONSE_TOO_LARGE)', async () => {
    const huge = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"access_token":"${'x'.repeat(8 * 1024 * 1024)}`);
      res.end('","expires_in":7200}');
    });
    const err = await caught(client({ baseUrl: huge.url, backupUrl: '' }).stableToken({ appid: 'wxapp', secret: SECRET, forceRefresh: false }));
    expect(err).toMatchObject({ name: 'WechatUnreachableError', causeCode: 'RESPONSE_TOO_LARGE' });
  });

  it('times out on an answer whose body stalls, as on one that never starts', async () => {
    const stalls = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token":"AT"');
    });
    const err = await caught(client({ baseUrl: stalls.url, backupUrl: '', timeoutMs: 300 }).stableToken({ appid: 'wxapp', secret: SECRET, forceRefresh: false }));
    expect(err).toBeInstanceOf(WechatUnreachableError);
    expect((err as WechatUnreachableError).causeCode).toBe('TIMEOUT');
  });

  it('reuses one keep-alive connection for consecutive calls', async () => {
    const sockets = new Set<unknown>();
    const s = await server((_req, res) => json(res, { access_token: 'AT', expires_in: 7200 }));
    s.server.on('connection', (sock) => sockets.add(sock));
    const c = client({ baseUrl: s.url });
    for (let i = 0; i < 5; i++) {
      await c.stableToken({ appid: 'wxapp', secret: SECRET, forceRefresh: false });
      // Let the pool take the socket back before the next call.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(s.seen).toHaveLength(5);
    expect(sockets.size).toBe(1);
  });
});

describe('funcScopesOf', () => {
  it('lists permission-set ids once each and tolerates a missing func_info', () => {
    expect(funcScopesOf({ func_info: [{ funcscope_category: { id: 3 } }, { funcscope_category: { id: 3 } }, { funcscope_category: { id: 18 } }] })).toEqual([3, 18]);
    expect(funcScopesOf({})).toEqual([]);
    expect(funcScopesOf(undefined)).toEqual([]);
  });
});
