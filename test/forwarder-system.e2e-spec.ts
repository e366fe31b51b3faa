/**
 * The forwarder inside the whole system: built forwarder, token-refresher and policy processes on
 * a private NATS server, the sandbox as WeChat. Proves docs/http-behaviour.md end to end with real tokens and
 * real policy decisions (relay corner cases are in forwarder.e2e-spec.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Subscription } from '@nats-io/transport-node';
import { Agent } from 'undici';
import { call, connectTunnel, metric, rawCall, rawRequest, requestThroughTunnel, trustingAgent, type Answer } from './support/forwarder-client.js';
import { waitFor, type AppProcess } from './support/harness.js';
import { putEnv, startWxgateSystem, SYSTEM, type WxgateSystem } from './support/wxgate-system.js';

const { app, shared, component, authorizer } = SYSTEM;
const MAX_BODY = 8 * 1024 * 1024;

let system: WxgateSystem;
let sys: { proc: AppProcess; http: number; https: number; base: string };
let comp: { proc: AppProcess; http: number; https: number; base: string };
/** Every NATS request the forwarders make, seen from outside (plain subscribers hear every request). */
const natsRequests: string[] = [];
let monitor: Subscription[] = [];

const echoOf = (a: Answer) => a.json().echo as { query: { raw: string; parsed: Record<string, string> }; headers: Record<string, string>; bodySha256: string; bodyLength: number; tokenOwner: { kind: string; appid: string } };
const calls = (p: string) => system.sandbox.state.calls.count(p);
const expectError = (answer: Answer, status: number, reason: string, errcode: number) => {
  expect({ status: answer.status, reason: answer.json().reason, errcode: answer.json().errcode }).toEqual({ status, reason, errcode });
  expect(answer.headers['x-openapi-seqid']).toMatch(/^[0-9a-f]{16}$/);
};

beforeAll(async () => {
  system = await startWxgateSystem();
  await putEnv(system, { envId: 'sys', ownerAppid: app.appid, ownerKind: 'app', paths: ['/wxa/msg_sec_check', '/wxa/getwxacode', '/cgi-bin/media/upload', '/wxa/commit', '/wxa/getwxadevinfo'] });
  await putEnv(system, { envId: 'comp', ownerAppid: component.appid, ownerKind: 'component', paths: ['/wxa/gettemplatedraftlist', '/sns/component/jscode2session', '/wxa/commit'] });
  monitor = ['wxgate.policy.check', 'wxgate.token.>'].map((subject) => system.nc.subscribe(subject, { callback: (_e, msg) => void natsRequests.push(msg.subject) }));
  [sys, comp] = await Promise.all([
    system.startForwarder({ ENV_ID: 'sys', MAX_BODY_BYTES: String(MAX_BODY), UPSTREAM_TIMEOUT_MS: '1500' }),
    system.startForwarder({ ENV_ID: 'comp' }),
  ]);
  // The policy service learns the imported authorization from the refresher's event.
  await waitFor(async () => (await system.req('wxgate.policy.check', { envId: 'comp', path: '/wxa/commit', fromAppid: authorizer.appid })).allowed === true, { what: 'authorization known to policy' });
}, 60_000);

afterAll(async () => {
  for (const s of monitor) s.unsubscribe();
  await system?.stop();
});

beforeEach(() => system.sandbox.state.faults.clear());

describe('ways of calling, with real tokens and policy', () => {
  it('relays a base-URL call with the app token the refresher holds', async () => {
    const answer = await call(`${sys.base}/wxa/msg_sec_check?k=%2Fv`, { body: '{"content":"hi"}', headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(200);
    expect(answer.json().errcode).toBe(0);
    expect(echoOf(answer).tokenOwner).toEqual({ kind: 'app', appid: app.appid });
    expect(echoOf(answer).query.raw).toMatch(/^k=%2Fv&access_token=/);
  });

  it('relays HTTP-proxy absolute-form calls', async () => {
    const answer = await rawCall(sys.http, rawRequest('GET', 'http://api.weixin.qq.com/wxa/msg_sec_check?via=proxy'));
    expect(answer.status).toBe(200);
    expect(echoOf(answer).tokenOwner.appid).toBe(app.appid);
  });

  it('serves HTTPS by name, verified against CERT_DIR/certificate.crt with SNI api.weixin.qq.com', async () => {
    const ca = readFileSync(path.join(sys.proc.cwd, 'data/cert/certificate.crt'), 'utf8');
    const agent = trustingAgent(ca, 'api.weixin.qq.com');
    try {
      const answer = await call(`https://127.0.0.1:${sys.https}/wxa/msg_sec_check?via=tls`, { dispatcher: agent });
      expect(answer.status).toBe(200);
      expect(echoOf(answer).tokenOwner.appid).toBe(app.appid);
    } finally {
      await agent.close();
    }
  });

  it('terminates CONNECT api.weixin.qq.com:443 with its own TLS and relays the tunnelled call', async () => {
    const ca = readFileSync(path.join(sys.proc.cwd, 'data/cert/certificate.crt'), 'utf8');
    const tunnel = await connectTunnel(sys.http, 'api.weixin.qq.com:443');
    expect(tunnel.status).toBe(200);
    const answer = await requestThroughTunnel(tunnel.socket, ca, 'api.weixin.qq.com', '/wxa/msg_sec_check?via=connect');
    expect(answer.authorized).toBe(true);
    expect(echoOf(answer).tokenOwner.appid).toBe(app.appid);
    expect((await connectTunnel(sys.http, 'example.com:443')).status).toBe(403);
  });
});

describe('steps 1–7 against the real policy service', () => {
  it('refuses every step-3 bypass of the allowlist with 400 BAD_PATH and sends nothing upstream', async () => {
    const before = system.sandbox.state.calls.snapshot().calls.length;
    for (const target of ['/wxa/../cgi-bin/token', '/wxa/%2e%2e/cgi-bin/token', '/wxa%2fmsg_sec_check', '//wxa/msg_sec_check', '/wxa/./msg_sec_check', '/wxa\\msg_sec_check', '/wxa/msg_sec_check%00', Buffer.from('/wxa/msg_sec_checké')]) {
      expectError(await rawCall(sys.http, rawRequest('GET', target)), 400, 'BAD_PATH', 40066);
    }
    expect(system.sandbox.state.calls.snapshot().calls.length).toBe(before);
  });

  it('answers 403 RESERVED_PATH for token-minting paths it cannot answer (docs/sdk.md) and 405 for other methods', async () => {
    expectError(await call(`${sys.base}/cgi-bin/token?grant_type=client_credential&appid=wxnotmanaged0001&secret=x`), 403, 'RESERVED_PATH', 48001);
    expectError(await call(`${sys.base}/cgi-bin/stable_token?access_token=mine`, { body: '{}' }), 403, 'RESERVED_PATH', 48001);
    expectError(await call(`${sys.base}/wxa/msg_sec_check`, { method: 'PUT', body: '{}' }), 405, 'METHOD_NOT_ALLOWED', 43001);
    expectError(await call(`${sys.base}/wxa/msg_sec_check?from_appid=a&from_appid=b`), 400, 'BAD_QUERY', 40066);
  });

  it('answers 403 PATH_NOT_ALLOWED (85107) off the allowlist and FROM_APPID_NOT_SHARED for an unshared from_appid, then relays once it is shared', async () => {
    expectError(await call(`${sys.base}/wxa/not_listed`), 403, 'PATH_NOT_ALLOWED', 85107);
    expectError(await call(`${sys.base}/wxa/msg_sec_check?from_appid=${shared.appid}`), 403, 'FROM_APPID_NOT_SHARED', 48001);
    expect((await system.req('wxgate.admin.share.add', { envId: 'sys', appid: shared.appid })).ok).toBe(true);
    const answer = await waitFor(
      async () => {
        const a = await call(`${sys.base}/wxa/msg_sec_check?from_appid=${shared.appid}`);
        return a.status === 200 ? a : undefined;
      },
      { what: 'policy.changed to drop the cached deny' },
    );
    expect(echoOf(answer).tokenOwner).toEqual({ kind: 'app', appid: shared.appid });
    expect(echoOf(answer).query.raw).not.toContain('from_appid');
  });

  it('relays a caller-brought token as is, without asking policy or the refresher', async () => {
    const own = system.sandbox.state.tokens.issue({ kind: 'app', channel: 'stable', appid: shared.appid }).token;
    const seen = natsRequests.length;
    const answer = await call(`${sys.base}/wxa/not_listed?access_token=${own}&from_appid=${app.appid}`);
    expect(answer.status).toBe(200);
    expect(echoOf(answer).query.raw).toBe(`access_token=${own}`);
    expect(natsRequests.length).toBe(seen);
  });

  it('injects the component token (access_token for the template library, component_access_token plus component_appid for /sns/component/*)', async () => {
    const drafts = await call(`${comp.base}/wxa/gettemplatedraftlist`);
    expect(drafts.json().errcode).toBe(0);
    expect(echoOf(drafts).tokenOwner).toEqual({ kind: 'component', appid: component.appid });
    const session = await call(`${comp.base}/sns/component/jscode2session?appid=${authorizer.appid}&js_code=c0de&grant_type=authorization_code`);
    expect(session.json()).toMatchObject({ errcode: 0, openid: expect.any(String) });
    expect(echoOf(session).query.parsed).toMatchObject({ component_appid: component.appid, component_access_token: expect.any(String) });
  });

  it('injects the authorizer token for from_appid and answers AUTHORIZER_NOT_AUTHORIZED (61007) for a stranger', async () => {
    const commit = await call(`${comp.base}/wxa/commit?from_appid=${authorizer.appid}`, { body: '{"template_id":1}' });
    expect(commit.json().errcode).toBe(0);
    expect(echoOf(commit).tokenOwner).toMatchObject({ kind: 'authorizer', appid: authorizer.appid, componentAppid: component.appid });
    expectError(await call(`${comp.base}/wxa/commit?from_appid=wxstranger00001`), 403, 'AUTHORIZER_NOT_AUTHORIZED', 61007);
  });

  it('answers ENV_NOT_FOUND for an unknown environment, then 503 TOKEN_UNAVAILABLE (85113) with the cause once it exists with an owner the refresher does not know', async () => {
    const f = await system.startForwarder({ ENV_ID: 'later' });
    try {
      expectError(await call(`${f.base}/wxa/msg_sec_check`), 403, 'ENV_NOT_FOUND', 48001);
      await putEnv(system, { envId: 'later', ownerAppid: 'wxunknownapp001', ownerKind: 'app', paths: ['/wxa/msg_sec_check'] });
      const answer = await waitFor(
        async () => {
          const a = await call(`${f.base}/wxa/msg_sec_check`);
          return a.status === 503 ? a : undefined;
        },
        { what: 'policy.changed for env later' },
      );
      expectError(answer, 503, 'TOKEN_UNAVAILABLE', 85113);
      expect(answer.json().errmsg).toMatch(/CREDENTIAL_NOT_FOUND|unknown|not found/i);
    } finally {
      await f.proc.stop();
    }
  });
});

describe('hot path', () => {
  it('makes no NATS request on warm calls (counted on the wire and by the forwarder)', async () => {
    await call(`${sys.base}/wxa/getwxadevinfo`);
    const seen = natsRequests.length;
    const counted = await metric(sys.proc.adminPort, 'wxgate_forwarder_nats_requests_total{');
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => call(`${sys.base}/wxa/getwxadevinfo?i=${i}`)));
    expect(answers.filter((a) => a.status === 200 && a.json().errcode === 0)).toHaveLength(200);
    await system.nc.flush();
    expect(natsRequests.slice(seen)).toEqual([]);
    expect(await metric(sys.proc.adminPort, 'wxgate_forwarder_nats_requests_total{')).toBe(counted);
  });

  it('answers success after one 40001: one invalidation through the refresher, one retry', async () => {
    await call(`${sys.base}/wxa/commit`, { body: '{}' });
    const before = { invalidations: natsRequests.filter((s) => s.startsWith('wxgate.token.invalidate.')).length, commits: calls('/wxa/commit'), retries: await metric(sys.proc.adminPort, 'wxgate_forwarder_token_retries_total') };
    system.sandbox.state.faults.add({ type: 'errcode', path: '/wxa/commit', errcode: 40001, count: 1 });
    const body = '{"template_id":7,"user_version":"1.0.0"}';
    const answer = await call(`${sys.base}/wxa/commit`, { body, headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(200);
    expect(answer.json().errcode).toBe(0);
    expect(echoOf(answer).bodySha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(natsRequests.filter((s) => s.startsWith('wxgate.token.invalidate.')).length - before.invalidations).toBe(1);
    expect(calls('/wxa/commit') - before.commits).toBe(2);
    expect(await metric(sys.proc.adminPort, 'wxgate_forwarder_token_retries_total')).toBe(before.retries + 1);
  });
});

describe('headers, bodies, sizes and timeouts', () => {
  it('drops hop-by-hop request headers, keeps the caller x-forwarded-for and appends the peer', async () => {
    const answer = await rawCall(sys.http, rawRequest('GET', '/wxa/msg_sec_check', { connection: 'close, x-private', 'x-private': 'p', 'proxy-authorization': 'Basic eDp5', te: 'trailers', 'keep-alive': '1', 'x-forwarded-for': '198.51.100.9', 'x-app': 'kept' }));
    const headers = echoOf(answer).headers;
    expect(headers).not.toHaveProperty('x-private');
    expect(headers).not.toHaveProperty('proxy-authorization');
    expect(headers).not.toHaveProperty('te');
    expect(headers).not.toHaveProperty('keep-alive');
    expect(headers['x-app']).toBe('kept');
    expect(headers['x-forwarded-for']).toBe('198.51.100.9, 127.0.0.1');
  });

  it('relays a 5 MiB binary upload and an image download byte for byte', async () => {
    const file = randomBytes(5 * 1024 * 1024);
    const upload = await call(`${sys.base}/cgi-bin/media/upload?type=image`, { body: file, headers: { 'content-type': 'multipart/form-data; boundary=b' } });
    expect(upload.json()).toMatchObject({ errcode: 0, echo: { bodyLength: file.length, bodySha256: createHash('sha256').update(file).digest('hex') } });
    const image = await call(`${sys.base}/wxa/getwxacode`, { body: '{"path":"pages/a"}' });
    const echo = JSON.parse(String(image.headers['x-sandbox-echo']));
    const direct = await call(`${system.sandbox.url}/wxa/getwxacode?${echo.query.raw}`, { body: '{"path":"pages/a"}' });
    expect(image.headers['content-type']).toBe('image/jpeg');
    expect(image.body.equals(direct.body)).toBe(true);
  });

  it('answers 413 REQUEST_TOO_LARGE, 502 RESPONSE_TOO_LARGE and 504 UPSTREAM_TIMEOUT', async () => {
    const agent = new Agent();
    try {
      expectError(await call(`${sys.base}/cgi-bin/media/upload`, { body: Buffer.alloc(MAX_BODY + 1), headers: { 'content-type': 'multipart/form-data; boundary=b' }, dispatcher: agent }), 413, 'REQUEST_TOO_LARGE', 45002);
    } finally {
      await agent.destroy();
    }
    system.sandbox.state.faults.add({ type: 'oversized', path: '/wxa/msg_sec_check', bytes: MAX_BODY + 1 });
    expectError(await call(`${sys.base}/wxa/msg_sec_check`), 502, 'RESPONSE_TOO_LARGE', 85112);
    system.sandbox.state.faults.add({ type: 'latency', path: '/wxa/msg_sec_check', ms: 2000, count: 1 });
    expectError(await call(`${sys.base}/wxa/msg_sec_check`), 504, 'UPSTREAM_TIMEOUT', 85112);
  });
});
