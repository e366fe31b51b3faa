/**
 * Forwarder relay mechanics (docs/http-behaviour.md steps 1–11, every way of calling, sizes, timeouts, failover,
 * caches) against a real NATS server, the built forwarder process and the sandbox as WeChat. The
 * policy service and the token-refresher are stood in for by raw NATS responders
 * (support/fake-control-plane.ts) so each decision and token can be set per test; the whole
 * system with the real services is proven in forwarder-system.e2e-spec.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Agent } from 'undici';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { allowApp, startFakeControlPlane, type FakeControlPlane } from './support/fake-control-plane.js';
import { call, connectTunnel, type Answer, metric, parseResponse, rawCall, rawRequest, requestThroughTunnel, trustingAgent } from './support/forwarder-client.js';
import { freePort, runToExit, startApp, startNatsServer, waitFor, type AppProcess, type NatsServerHandle } from './support/harness.js';

const APP_ID = 'wxapp00000001';
const SHARED_APP = 'wxshared000001';
const COMPONENT = { appid: 'wxcomponent001', secret: 'component-secret', token: 'msgtoken', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
const AUTHORIZER = 'wxauthorizer01';
const MAX_BODY = 8 * 1024 * 1024;

let nats: NatsServerHandle;
let sandbox: Sandbox;
let fake: FakeControlPlane;
let forwarder: AppProcess;
let base: string;
let ports: { http: number; https: number };

async function startForwarder(env: Record<string, string>): Promise<{ proc: AppProcess; http: number; https: number }> {
  const [http, https] = [await freePort(), await freePort()];
  const proc = await startApp('forwarder', {
    NATS_URL: nats.url,
    ENV_ID: 'mech',
    PORT: String(http),
    TLS_PORT: String(https),
    WECHAT_API_BASE: sandbox.url,
    WECHAT_API_BACKUP: '',
    ...env,
  });
  await proc.waitReady();
  return { proc, http, https };
}

const calls = (p: string) => sandbox.state.calls.count(p);
const echoOf = (answer: Answer) => answer.json().echo as { query: { raw: string; parsed: Record<string, string> }; headers: Record<string, string>; bodySha256: string; bodyLength: number; tokenOwner: { kind: string; appid: string } };
const expectError = (answer: Answer, status: number, reason: string, errcode: number) => {
  expect({ status: answer.status, reason: answer.json().reason, errcode: answer.json().errcode }).toEqual({ status, reason, errcode });
  expect(answer.headers['x-openapi-seqid']).toMatch(/^[0-9a-f]{16}$/);
  expect(typeof answer.json().errmsg).toBe('string');
};

beforeAll(async () => {
  nats = await startNatsServer();
  sandbox = await createSandbox({
    seed: { apps: [{ appid: APP_ID, secret: 'app-secret' }, { appid: SHARED_APP, secret: 'shared-secret' }], components: [COMPONENT], authorizations: [{ componentAppid: COMPONENT.appid, authorizerAppid: AUTHORIZER, funcScopes: [17, 18] }] },
  });
  fake = await startFakeControlPlane(nats.url, sandbox);
  for (const p of ['/wxa/msg_sec_check', '/wxa/getwxacode', '/cgi-bin/media/upload', '/wxa/commit', '/cgi-bin/anything', '/wxa/getwxadevinfo']) fake.decisions.set(p, allowApp(APP_ID));
  fake.decisions.set(`/wxa/msg_sec_check?${SHARED_APP}`, allowApp(SHARED_APP));
  fake.decisions.set('/sns/component/jscode2session', {
    allowed: true,
    credential: { kind: 'component', appid: COMPONENT.appid },
    tokenParam: 'component_access_token',
    componentAppid: COMPONENT.appid,
  });
  const started = await startForwarder({ MAX_BODY_BYTES: String(MAX_BODY), UPSTREAM_TIMEOUT_MS: '1000' });
  forwarder = started.proc;
  ports = { http: started.http, https: started.https };
  base = `http://127.0.0.1:${ports.http}`;
});

afterAll(async () => {
  await forwarder?.stop();
  await fake?.close();
  await sandbox?.close();
  await nats?.stop();
});

beforeEach(() => {
  sandbox.state.faults.clear();
});

describe('ways of calling', () => {
  it('relays a base-URL call with the injected token, from_appid removed and the rest of the query byte for byte', async () => {
    const answer = await call(`${base}/wxa/msg_sec_check?z=%2F%20a+b&from_appid=${SHARED_APP}&a=1&&b=%E4%B8%AD`, { body: '{"content":"hello"}', headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(200);
    expect(answer.json().errcode).toBe(0);
    const echo = echoOf(answer);
    expect(echo.tokenOwner).toEqual({ kind: 'app', appid: SHARED_APP });
    expect(echo.query.raw).toMatch(/^z=%2F%20a\+b&a=1&&b=%E4%B8%AD&access_token=[0-9]+_[A-Za-z0-9_-]+$/);
    expect(echo.bodySha256).toBe(createHash('sha256').update('{"content":"hello"}').digest('hex'));
    expect(answer.headers['x-openapi-seqid']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('relays an HTTP-proxy absolute-form call to a WeChat host, with or without port 80', async () => {
    for (const target of ['http://api.weixin.qq.com/wxa/msg_sec_check?x=1', 'http://API.weixin.qq.com:80/wxa/msg_sec_check?x=1', 'http://sz.api.weixin.qq.com/wxa/msg_sec_check']) {
      const answer = await rawCall(ports.http, rawRequest('GET', target));
      expect([target, answer.status, answer.json().errcode]).toEqual([target, 200, 0]);
    }
  });

  it('refuses an absolute-form target on any other host or port with 403 HOST_NOT_ALLOWED and sends nothing', async () => {
    const before = sandbox.state.calls.snapshot().calls.length;
    for (const target of ['http://example.com/wxa/msg_sec_check', 'http://api.weixin.qq.com:8080/wxa/msg_sec_check', 'http://user@api.weixin.qq.com/wxa/msg_sec_check', 'http://api.weixin.qq.com.evil.com/wxa/msg_sec_check', 'ftp://api.weixin.qq.com/x']) {
      const answer = await rawCall(ports.http, rawRequest('GET', target));
      expectError(answer, 403, 'HOST_NOT_ALLOWED', 48001);
    }
    // Step 1 comes before step 2: a foreign host is refused whatever the method.
    expectError(await rawCall(ports.http, rawRequest('DELETE', 'http://example.com/x')), 403, 'HOST_NOT_ALLOWED', 48001);
    expect(sandbox.state.calls.snapshot().calls.length).toBe(before);
  });

  it('serves HTTPS by name with a certificate signed by the CA it wrote to CERT_DIR/certificate.crt (keys 0600)', async () => {
    const dir = path.join(forwarder.cwd, 'data/cert');
    const ca = readFileSync(path.join(dir, 'certificate.crt'), 'utf8');
    expect(ca).toContain('BEGIN CERTIFICATE');
    for (const key of ['ca.key', 'server.key']) expect(statSync(path.join(dir, key)).mode & 0o777).toBe(0o600);
    for (const servername of ['api.weixin.qq.com', 'api2.weixin.qq.com', 'sh.api.weixin.qq.com', 'sz.api.weixin.qq.com', 'hk.api.weixin.qq.com', 'localhost']) {
      const agent = trustingAgent(ca, servername);
      const answer = await call(`https://127.0.0.1:${ports.https}/wxa/msg_sec_check`, { dispatcher: agent });
      expect([servername, answer.status, answer.json().errcode]).toEqual([servername, 200, 0]);
      await agent.close();
    }
    const byIp = trustingAgent(ca, '');
    expect((await call(`https://127.0.0.1:${ports.https}/wxa/msg_sec_check`, { dispatcher: byIp })).status).toBe(200);
    await byIp.close();
  });

  it('terminates a CONNECT tunnel to api.weixin.qq.com:443 with its own TLS (SNI, verified against the CA)', async () => {
    const ca = readFileSync(path.join(forwarder.cwd, 'data/cert/certificate.crt'), 'utf8');
    const tunnel = await connectTunnel(ports.http, 'api.weixin.qq.com:443');
    expect(tunnel.status).toBe(200);
    const answer = await requestThroughTunnel(tunnel.socket, ca, 'api.weixin.qq.com', '/wxa/msg_sec_check?via=connect');
    expect(answer.authorized).toBe(true);
    expect(answer.status).toBe(200);
    expect(echoOf(answer).query.raw).toMatch(/^via=connect&access_token=/);
    expect(echoOf(answer).headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(answer.headers['x-openapi-seqid']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('tunnels CONNECT api.weixin.qq.com:80 with plain HTTP inside (what proxy agents send for http:// targets)', async () => {
    const tunnel = await connectTunnel(ports.http, 'api.weixin.qq.com:80');
    expect(tunnel.status).toBe(200);
    const answer = await new Promise<Answer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      tunnel.socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        const parsed = parseResponse(Buffer.concat(chunks));
        if (parsed) resolve(parsed);
      });
      tunnel.socket.on('error', reject);
      tunnel.socket.write(rawRequest('GET', '/wxa/msg_sec_check?via=connect80', { host: 'api.weixin.qq.com' }));
    });
    tunnel.socket.destroy();
    expect(answer.status).toBe(200);
    expect(echoOf(answer).query.raw).toMatch(/^via=connect80&access_token=/);
    expect(answer.headers['x-openapi-seqid']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses CONNECT to any other host or port with 403 HOST_NOT_ALLOWED and no tunnel', async () => {
    for (const authority of ['example.com:443', 'example.com:80', 'api.weixin.qq.com:8443', 'api.weixin.qq.com:8080', '127.0.0.1:443']) {
      const tunnel = await connectTunnel(ports.http, authority);
      expect([authority, tunnel.status]).toEqual([authority, 403]);
      expect(JSON.parse(tunnel.body)).toMatchObject({ reason: 'HOST_NOT_ALLOWED', errcode: 48001 });
      expect(tunnel.head).toMatch(/x-openapi-seqid: [0-9a-f]{16}/);
    }
  });
});

describe('request checks (steps 2–5)', () => {
  it('answers 405 METHOD_NOT_ALLOWED for methods other than GET and POST', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
      const answer = await rawCall(ports.http, rawRequest(method, '/wxa/msg_sec_check'));
      expect([method, answer.status]).toEqual([method, 405]);
      if (method !== 'HEAD') expectError(answer, 405, 'METHOD_NOT_ALLOWED', 43001);
    }
  });

  it.each([
    ['dot-dot segment', '/wxa/../cgi-bin/token'],
    ['encoded dot-dot', '/wxa/%2e%2e/cgi-bin/token'],
    ['encoded slash', '/wxa%2fgetwxacode'],
    ['empty segment', '//wxa/getwxacode'],
    ['empty inner segment', '/wxa//getwxacode'],
    ['dot segment', '/wxa/./getwxacode'],
    ['backslash', '/wxa\\..\\cgi-bin\\token'],
    ['encoded NUL', '/wxa/getwxacode%00'],
    ['non-ASCII bytes', Buffer.from('/wxa/getwxacodé', 'utf8')],
    ['trailing dot-dot', '/cgi-bin/token/..'],
    ['absolute-form dot-dot', 'http://api.weixin.qq.com/wxa/../cgi-bin/token'],
  ])('answers 400 BAD_PATH for a %s and sends nothing upstream', async (_name, target) => {
    const before = sandbox.state.calls.snapshot().calls.length;
    const answer = await rawCall(ports.http, rawRequest('GET', target));
    expectError(answer, 400, 'BAD_PATH', 40066);
    expect(sandbox.state.calls.snapshot().calls.length).toBe(before);
  });

  it('answers 400 BAD_PATH for control bytes Node itself cannot parse', async () => {
    const answer = await rawCall(ports.http, rawRequest('GET', '/wxa/get\x01wxacode'));
    expectError(answer, 400, 'BAD_PATH', 40066);
  });

  it.each([
    ['from_appid', `from_appid=${APP_ID}&from_appid=${SHARED_APP}`],
    ['access_token', 'access_token=a&x=1&access_token=b'],
    ['component_access_token', 'component_access_token=a&component_access_token=b'],
    ['access_token spelled with an escape', 'access_token=a&access%5Ftoken=b'],
  ])('answers 400 BAD_QUERY for a repeated %s', async (_name, query) => {
    const before = sandbox.state.calls.snapshot().calls.length;
    expectError(await call(`${base}/wxa/msg_sec_check?${query}`), 400, 'BAD_QUERY', 40066);
    expect(sandbox.state.calls.snapshot().calls.length).toBe(before);
  });

  it('answers 403 RESERVED_PATH for token-minting paths, even with a caller token', async () => {
    for (const p of ['/cgi-bin/token?grant_type=client_credential', '/cgi-bin/stable_token', '/cgi-bin/component/api_component_token', '/cgi-bin/component/api_authorizer_token?component_access_token=x', '/cgi-bin/component/api_query_auth?access_token=x']) {
      expectError(await call(`${base}${p}`, { method: 'POST', body: '{}' }), 403, 'RESERVED_PATH', 48001);
    }
    expect(calls('/cgi-bin/token') + calls('/cgi-bin/stable_token') + calls('/cgi-bin/component/api_query_auth')).toBe(0);
  });

  it('relays a caller-brought token as is (no policy, no injection), from_appid removed', async () => {
    const own = sandbox.state.tokens.issue({ kind: 'app', channel: 'stable', appid: SHARED_APP }).token;
    const before = { ...fake.counts };
    const answer = await call(`${base}/wxa/not_on_any_allowlist?from_appid=${APP_ID}&access_token=${own}&k=v`);
    expect(answer.status).toBe(200);
    const echo = echoOf(answer);
    expect(echo.query.raw).toBe(`access_token=${own}&k=v`);
    expect(echo.tokenOwner.appid).toBe(SHARED_APP);
    expect(fake.counts).toEqual(before);
  });
});

describe('policy and tokens (steps 6, 7, 11)', () => {
  it.each([
    ['PATH_NOT_ALLOWED', 85107],
    ['ENV_NOT_FOUND', 48001],
    ['FROM_APPID_NOT_SHARED', 48001],
    ['AUTHORIZER_NOT_AUTHORIZED', 61007],
  ])('answers a %s decision with 403 and its errcode, sending nothing upstream', async (reason, errcode) => {
    const p = `/wxa/denied_${reason.toLowerCase()}`;
    fake.decisions.set(p, { allowed: false, reason: reason as never, errcode, message: `denied: ${reason}` });
    const answer = await call(`${base}${p}`);
    expectError(answer, 403, reason, errcode);
    expect(answer.json().errmsg).toContain(reason);
    expect(calls(p)).toBe(0);
  });

  it('adds component_appid to /sns/component/* calls and the component token under component_access_token', async () => {
    const answer = await call(`${base}/sns/component/jscode2session?appid=${AUTHORIZER}&js_code=abc&grant_type=authorization_code`);
    expect(answer.json()).toMatchObject({ errcode: 0 });
    const echo = echoOf(answer);
    expect(echo.query.parsed.component_appid).toBe(COMPONENT.appid);
    expect(echo.query.raw).toMatch(new RegExp(`^appid=${AUTHORIZER}&js_code=abc&grant_type=authorization_code&component_appid=${COMPONENT.appid}&component_access_token=`));
    const given = await call(`${base}/sns/component/jscode2session?component_appid=${COMPONENT.appid}&appid=${AUTHORIZER}&js_code=abc&grant_type=authorization_code`);
    expect(echoOf(given).query.raw.match(/component_appid=/g)).toHaveLength(1);
  });

  it('answers 503 TOKEN_UNAVAILABLE (85113) with the cause when the refresher has no token', async () => {
    fake.decisions.set('/wxa/no_token_yet', allowApp('wxnotoken0001'));
    fake.tokenError = { reason: 'TOKEN_UNAVAILABLE', message: 'no component_verify_ticket yet', errcode: 85113 };
    try {
      const answer = await call(`${base}/wxa/no_token_yet`);
      expectError(answer, 503, 'TOKEN_UNAVAILABLE', 85113);
      expect(answer.json().errmsg).toContain('no component_verify_ticket yet');
    } finally {
      fake.tokenError = undefined;
    }
  });

  it('makes no NATS request on a warm call', async () => {
    await call(`${base}/wxa/msg_sec_check?warm=1`);
    const before = { ...fake.counts };
    const natsBefore = await metric(forwarder.adminPort, 'wxgate_forwarder_nats_requests_total{');
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => call(`${base}/wxa/msg_sec_check?i=${i}`)));
    expect(answers.every((a) => a.status === 200 && a.json().errcode === 0)).toBe(true);
    expect(fake.counts).toEqual(before);
    expect(await metric(forwarder.adminPort, 'wxgate_forwarder_nats_requests_total{')).toBe(natsBefore);
  });

  it('asks the policy again after policy.changed for its environment, and fetches the token again after token.refreshed', async () => {
    await call(`${base}/wxa/getwxadevinfo`);
    const before = { ...fake.counts };
    await call(`${base}/wxa/getwxadevinfo`);
    expect(fake.counts).toEqual(before);
    fake.nc.publish('wxgate.events.policy.changed.other-env', '{}');
    await fake.nc.flush();
    await call(`${base}/wxa/getwxadevinfo`);
    expect(fake.counts.policyCheck).toBe(before.policyCheck);
    fake.nc.publish('wxgate.events.policy.changed.mech', '{}');
    await waitFor(async () => (await call(`${base}/wxa/getwxadevinfo`)) && fake.counts.policyCheck === before.policyCheck + 1, { what: 'policy re-asked' });
    fake.nc.publish(`wxgate.events.token.refreshed.app.${APP_ID}`, JSON.stringify({ expiresAt: Date.now() + 60_000 }));
    await waitFor(async () => (await call(`${base}/wxa/getwxadevinfo`)) && fake.counts.tokenGet === before.tokenGet + 1, { what: 'token fetched again' });
  });

  it('retries once with a fresh token when WeChat answers 40001 to the injected one', async () => {
    await call(`${base}/wxa/commit`, { body: '{}' });
    const before = { ...fake.counts, path: calls('/wxa/commit'), retries: await metric(forwarder.adminPort, 'wxgate_forwarder_token_retries_total') };
    sandbox.state.faults.add({ type: 'errcode', path: '/wxa/commit', errcode: 40001, count: 1 });
    const answer = await call(`${base}/wxa/commit`, { body: '{"template_id":1}', headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(200);
    expect(answer.json().errcode).toBe(0);
    expect(echoOf(answer).bodySha256).toBe(createHash('sha256').update('{"template_id":1}').digest('hex'));
    expect(fake.counts.tokenInvalidate).toBe(before.tokenInvalidate + 1);
    expect(calls('/wxa/commit')).toBe(before.path + 2);
    expect(await metric(forwarder.adminPort, 'wxgate_forwarder_token_retries_total')).toBe(before.retries + 1);
  });

  it('invalidates but does not retry when the body was over 1 MiB (the caller gets WeChat answer)', async () => {
    await call(`${base}/wxa/commit`, { body: '{}' });
    const before = { ...fake.counts, path: calls('/wxa/commit') };
    sandbox.state.faults.add({ type: 'errcode', path: '/wxa/commit', errcode: 42001, count: 1 });
    const answer = await call(`${base}/wxa/commit`, { body: randomBytes(1024 * 1024 + 10) });
    expect(answer.json().errcode).toBe(42001);
    expect(fake.counts.tokenInvalidate).toBe(before.tokenInvalidate + 1);
    expect(calls('/wxa/commit')).toBe(before.path + 1);
  });
});

describe('headers (step 8)', () => {
  it('drops hop-by-hop request headers and those named in Connection, sets Host and appends the peer to x-forwarded-for', async () => {
    const answer = await rawCall(
      ports.http,
      rawRequest('GET', '/wxa/msg_sec_check', {
        connection: 'close, x-drop-me',
        'x-drop-me': '1',
        'keep-alive': 'timeout=5',
        'proxy-connection': 'keep-alive',
        'proxy-authorization': 'Basic eDp5',
        te: 'trailers',
        trailer: 'x-foo',
        upgrade: 'h2c',
        'x-forwarded-for': '203.0.113.7',
        'x-kept': 'yes',
      }),
    );
    const headers = echoOf(answer).headers;
    // undici speaks keep-alive on its own connection to WeChat; the caller's value is what must not pass.
    expect(headers.connection ?? 'keep-alive').toBe('keep-alive');
    for (const name of ['x-drop-me', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'transfer-encoding', 'expect']) {
      expect([name, headers[name]]).toEqual([name, undefined]);
    }
    expect(headers['x-kept']).toBe('yes');
    expect(headers.host).toBe(new URL(sandbox.url).host);
    expect(headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
  });

  it('gives every call a distinct x-openapi-seqid', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(`${base}/wxa/${i % 2 ? 'msg_sec_check' : '..'}`)));
    const ids = answers.map((a) => a.headers['x-openapi-seqid']);
    expect(ids.every((id) => /^[0-9a-f]{16}$/.test(String(id)))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('bodies, sizes and timeouts (step 9)', () => {
  it('relays a 5 MiB binary upload byte for byte (content-length and chunked)', async () => {
    const file = randomBytes(5 * 1024 * 1024);
    const sha = createHash('sha256').update(file).digest('hex');
    const answer = await call(`${base}/cgi-bin/media/upload?type=image`, { body: file, headers: { 'content-type': 'multipart/form-data; boundary=x' } });
    expect(answer.json()).toMatchObject({ errcode: 0, echo: { bodyLength: file.length, bodySha256: sha } });
    async function* chunked() {
      for (let at = 0; at < file.length; at += 100_000) yield file.subarray(at, at + 100_000);
    }
    const streamed = await call(`${base}/cgi-bin/media/upload?type=image`, { body: chunked(), headers: { 'content-type': 'multipart/form-data; boundary=x' } });
    expect(streamed.json()).toMatchObject({ errcode: 0, echo: { bodyLength: file.length, bodySha256: sha } });
  });

  it('relays an image download byte for byte', async () => {
    const answer = await call(`${base}/wxa/getwxacode`, { body: '{"path":"pages/index"}', headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('image/jpeg');
    const echo = JSON.parse(String(answer.headers['x-sandbox-echo']));
    const direct = await call(`${sandbox.url}/wxa/getwxacode?${echo.query.raw}`, { body: '{"path":"pages/index"}' });
    expect(direct.body.length).toBe(2048);
    expect(answer.body.equals(direct.body)).toBe(true);
  });

  it('answers 413 REQUEST_TOO_LARGE at once by content-length, sending nothing', async () => {
    const before = calls('/cgi-bin/media/upload');
    const answer = await rawCall(ports.http, rawRequest('POST', '/cgi-bin/media/upload', { 'content-length': String(MAX_BODY + 1), 'content-type': 'multipart/form-data; boundary=x' }));
    expectError(answer, 413, 'REQUEST_TOO_LARGE', 45002);
    expect(calls('/cgi-bin/media/upload')).toBe(before);
  });

  it('answers 413 REQUEST_TOO_LARGE for a chunked body that grows past the limit, aborting the upstream request', async () => {
    async function* endless() {
      for (let sent = 0; sent <= MAX_BODY + 1024 * 1024; sent += 256 * 1024) yield randomBytes(256 * 1024);
    }
    // Its own client: the connection is unusable once the caller's upload was refused mid-way.
    const agent = new Agent();
    try {
      const answer = await call(`${base}/cgi-bin/media/upload`, { body: endless(), headers: { 'content-type': 'multipart/form-data; boundary=x' }, dispatcher: agent });
      expectError(answer, 413, 'REQUEST_TOO_LARGE', 45002);
    } finally {
      await agent.destroy();
    }
  });

  it('answers 502 RESPONSE_TOO_LARGE when WeChat declares a longer answer than allowed', async () => {
    sandbox.state.faults.add({ type: 'oversized', path: '/wxa/msg_sec_check', bytes: MAX_BODY + 1 });
    expectError(await call(`${base}/wxa/msg_sec_check`), 502, 'RESPONSE_TOO_LARGE', 85112);
  });

  it('cuts a chunked answer that grows past the limit', async () => {
    sandbox.state.faults.add({ type: 'oversized', path: '/wxa/msg_sec_check', bytes: MAX_BODY + 512 * 1024, chunked: true });
    const agent = new Agent();
    const outcome = await call(`${base}/wxa/msg_sec_check`, { dispatcher: agent }).then(
      (a) => a.body.length,
      (err: Error) => err,
    );
    if (typeof outcome === 'number') expect(outcome).toBeLessThanOrEqual(MAX_BODY);
    else expect(outcome).toBeInstanceOf(Error);
    await agent.destroy();
    await waitFor(() => forwarder.output().includes('"path":"/wxa/msg_sec_check","status":200,"reason":"RESPONSE_TOO_LARGE"'), { what: 'the cut call in the access log' });
    // The relay itself is fine afterwards.
    expect((await call(`${base}/wxa/msg_sec_check`)).status).toBe(200);
  });

  it('answers 504 UPSTREAM_TIMEOUT when WeChat does not answer within UPSTREAM_TIMEOUT_MS', async () => {
    sandbox.state.faults.add({ type: 'latency', path: '/wxa/msg_sec_check', ms: 1500, count: 1 });
    const started = Date.now();
    expectError(await call(`${base}/wxa/msg_sec_check`), 504, 'UPSTREAM_TIMEOUT', 85112);
    expect(Date.now() - started).toBeLessThan(1400);
  });
});

describe('failover (step 9)', () => {
  let refused: number;
  let headerServer: Server;

  beforeAll(async () => {
    refused = await freePort();
    // A WeChat that answers with hop-by-hop headers of its own.
    headerServer = createServer((req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        connection: 'keep-alive, x-upstream-hop',
        'keep-alive': 'timeout=5',
        'x-upstream-hop': 'secret',
        'proxy-authenticate': 'Basic',
        trailer: 'x-t',
        upgrade: 'h2c',
        'x-upstream-kept': 'yes',
        'x-openapi-seqid': 'upstream-seqid',
      });
      res.end(JSON.stringify({ errcode: 0, url: req.url }));
    });
    await new Promise<void>((r) => headerServer.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    await new Promise((r) => headerServer.close(r));
  });

  it('sends to WECHAT_API_BACKUP when the base refuses the connection, and drops hop-by-hop response headers', async () => {
    const backup = `http://127.0.0.1:${(headerServer.address() as AddressInfo).port}`;
    const f = await startForwarder({ WECHAT_API_BASE: `http://127.0.0.1:${refused}`, WECHAT_API_BACKUP: backup });
    try {
      const answer = await call(`http://127.0.0.1:${f.http}/wxa/msg_sec_check?q=1`);
      expect(answer.status).toBe(200);
      expect(answer.json().url).toMatch(/^\/wxa\/msg_sec_check\?q=1&access_token=/);
      // Node's own connection management on the caller's side may say keep-alive; WeChat's values must not pass.
      expect(String(answer.headers.connection ?? '')).not.toContain('x-upstream-hop');
      expect(answer.headers['keep-alive']).not.toBe('timeout=5');
      for (const name of ['x-upstream-hop', 'proxy-authenticate', 'trailer', 'upgrade', 'transfer-encoding']) expect([name, answer.headers[name]]).toEqual([name, undefined]);
      expect(answer.headers['x-upstream-kept']).toBe('yes');
      expect(answer.headers['x-openapi-seqid']).toMatch(/^[0-9a-f]{16}$/);
      expect(await metric(f.proc.adminPort, 'wxgate_forwarder_failovers_total')).toBeGreaterThanOrEqual(1);
    } finally {
      await f.proc.stop();
    }
  });

  it('answers 502 UPSTREAM_UNREACHABLE when base and backup both refuse, and stays ready (readiness never asks WeChat)', async () => {
    const f = await startForwarder({ WECHAT_API_BASE: `http://127.0.0.1:${refused}`, WECHAT_API_BACKUP: `http://127.0.0.1:${refused}` });
    try {
      expectError(await call(`http://127.0.0.1:${f.http}/wxa/msg_sec_check`), 502, 'UPSTREAM_UNREACHABLE', 85112);
      expect((await fetch(`http://127.0.0.1:${f.proc.adminPort}/readyz`)).status).toBe(200);
    } finally {
      await f.proc.stop();
    }
  });
});

describe('operations', () => {
  it('writes one access-log line per call with seqid, env, path, from_appid, status and errcode, never a token or the query', async () => {
    const answer = await call(`${base}/wxa/msg_sec_check?from_appid=${SHARED_APP}&secretish=querydata`);
    const seqid = String(answer.headers['x-openapi-seqid']);
    const line = await waitFor(() => forwarder.output().split('\n').find((l) => l.includes(seqid)), { what: 'access log line' });
    const entry = JSON.parse(line);
    expect(entry).toMatchObject({ seqid, env: 'mech', path: '/wxa/msg_sec_check', fromAppid: SHARED_APP, status: 200, errcode: 0 });
    expect(line).not.toContain('querydata');
    expect(forwarder.output()).not.toMatch(/access_token=|"token":"[0-9]+_/);
  });

  it('exports calls by status and reason, cache hits and misses and the upstream latency histogram', async () => {
    await call(`${base}/wxa/..`);
    const text = await (await fetch(`http://127.0.0.1:${forwarder.adminPort}/metrics`)).text();
    expect(text).toMatch(/wxgate_forwarder_calls_total\{status="200",reason=""\} \d+/);
    expect(text).toMatch(/wxgate_forwarder_calls_total\{status="400",reason="BAD_PATH"\} \d+/);
    expect(text).toMatch(/wxgate_forwarder_cache_lookups_total\{cache="token",result="hit"\} \d+/);
    expect(text).toMatch(/wxgate_forwarder_upstream_seconds_bucket\{le="0.01",outcome="answered"\} \d+/);
  });

  it('stops within the shutdown budget on SIGTERM, finishing an in-flight call', async () => {
    const f = await startForwarder({});
    sandbox.state.faults.add({ type: 'latency', path: '/wxa/getwxadevinfo', ms: 700, count: 1 });
    const inFlight = call(`http://127.0.0.1:${f.http}/wxa/getwxadevinfo`);
    await waitFor(() => sandbox.state.calls.snapshot().calls.some((c) => c.path === '/wxa/getwxadevinfo' && Date.now() - c.at < 2000) || sandbox.state.faults.list().length === 0, { what: 'call in flight' });
    const stopped = f.proc.stop('SIGTERM');
    expect((await inFlight).status).toBe(200);
    const { code, ms } = await stopped;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  });

  it('creates its CA and server certificate once and reuses them across restarts', async () => {
    const first = await startForwarder({});
    const dir = path.join(first.proc.cwd, 'data/cert');
    const before = ['certificate.crt', 'server.crt', 'server.key'].map((f) => readFileSync(path.join(dir, f), 'utf8'));
    await first.proc.stop();
    const [http, https] = [await freePort(), await freePort()];
    const again = await startApp('forwarder', { NATS_URL: nats.url, ENV_ID: 'mech', PORT: String(http), TLS_PORT: String(https), WECHAT_API_BASE: sandbox.url, WECHAT_API_BACKUP: '' }, { cwd: first.proc.cwd });
    try {
      await again.waitReady();
      expect(['certificate.crt', 'server.crt', 'server.key'].map((f) => readFileSync(path.join(dir, f), 'utf8'))).toEqual(before);
      const agent = trustingAgent(before[0]!, 'api.weixin.qq.com');
      expect((await call(`https://127.0.0.1:${https}/wxa/msg_sec_check`, { dispatcher: agent })).status).toBe(200);
      await agent.close();
    } finally {
      await again.stop();
    }
  });

  it.each([
    ['MAX_BODY_BYTES', 'lots'],
    ['UPSTREAM_TIMEOUT_MS', '-5'],
    ['PORT', 'http'],
    ['WECHAT_API_BASE', 'ftp://api.weixin.qq.com'],
  ])('exits non-zero within 5 s naming %s when it is %j', async (variable, value) => {
    const { code, ms, output } = await runToExit('forwarder', { NATS_URL: nats.url, [variable]: value });
    expect(code).not.toBe(0);
    expect(ms).toBeLessThan(5000);
    expect(output).toContain(variable);
  });
});
