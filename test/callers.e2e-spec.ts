/**
 * Who may use the relay (docs/callers.md): the source-address allowlist on every port, and caller
 * credentials per environment through every way of calling, with real clients (curl, undici's
 * ProxyAgent, axios), the real policy service and token-refresher, and forwarder processes.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import axios from 'axios';
import { ProxyAgent } from 'undici';
import { call, connectTunnel, metric, parseResponse, rawCall, rawRequest, requestThroughTunnel, trustingAgent, type Answer } from './support/forwarder-client.js';
import { runToExit, waitFor, type AppProcess } from './support/harness.js';
import { putEnv, startWxgateSystem, SYSTEM, type WxgateSystem } from './support/wxgate-system.js';

const { app } = SYSTEM;
const PATHS = ['/wxa/msg_sec_check'];
const run = promisify(execFile);

let system: WxgateSystem;
type Relay = { proc: AppProcess; http: number; https: number; base: string };
let loopbackOnly: Relay;
let guarded: Relay;
let replica: Relay;
let ca: string;
let billing: { name: string; secret: string };
let ops: { name: string; secret: string };

const echoOf = (a: Answer) => a.json().echo as { headers: Record<string, string>; query: { raw: string }; tokenOwner: { appid: string } };
const basic = (c: { name: string; secret: string }) => `Basic ${Buffer.from(`${c.name}:${c.secret}`).toString('base64')}`;
const header = (c: { name: string; secret: string }) => ({ 'x-wxgate-caller': `${c.name}:${c.secret}` });
/** The answer without what differs per call (the seqid), to compare two refusals byte for byte. */
const shape = (a: Answer) => ({ status: a.status, body: a.body.toString('utf8'), authenticate: a.headers['proxy-authenticate'] ?? a.headers['www-authenticate'] });
const sandboxCalls = () => system.sandbox.state.calls.count('/wxa/msg_sec_check');

/** curl as a user runs it; `-w` appends the status line curl saw (the CONNECT's for a refused tunnel). */
async function curl(args: string[]): Promise<{ body: string; status: number; connectStatus: number }> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '10', '-w', '\n%{http_code} %{http_connect}', ...args], { env: { PATH: process.env.PATH } }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const lines = stdout.split('\n');
  const [status, connectStatus] = lines.pop()!.split(' ').map(Number);
  return { body: lines.join('\n'), status: status!, connectStatus: connectStatus! };
}

const expectError = (answer: Answer, status: number, reason: string, errcode: number) => {
  expect({ status: answer.status, reason: answer.json().reason, errcode: answer.json().errcode }).toEqual({ status, reason, errcode });
  expect(answer.headers['x-openapi-seqid']).toMatch(/^[0-9a-f]{16}$/);
};

/** Raw bytes from a chosen local address; resolves with what came back before the close. */
function rawFrom(localAddress: string, port: number, bytes: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1', localAddress });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.write(bytes);
  });
}

beforeAll(async () => {
  system = await startWxgateSystem();
  await putEnv(system, { envId: 'open', ownerAppid: app.appid, ownerKind: 'app', paths: PATHS });
  await putEnv(system, { envId: 'guarded', ownerAppid: app.appid, ownerKind: 'app', paths: PATHS });
  billing = (await system.req('wxgate.admin.caller.add', { envId: 'guarded', name: 'billing' })) as typeof billing;
  ops = (await system.req('wxgate.admin.caller.add', { envId: 'guarded', name: 'ops' })) as typeof ops;
  expect(billing.secret).toMatch(/^wxgc_/);
  // One at a time: on a busy 2-core machine four cold starts at once can outlast the readiness wait.
  loopbackOnly = await system.startForwarder({ ENV_ID: 'open', RELAY_ALLOW_CIDRS: '127.0.0.1/32' });
  guarded = await system.startForwarder({ ENV_ID: 'guarded' });
  replica = await system.startForwarder({ ENV_ID: 'guarded' });
  ca = readFileSync(path.join(guarded.proc.cwd, 'data/cert/certificate.crt'), 'utf8');
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

describe('source-address allowlist (RELAY_ALLOW_CIDRS)', () => {
  it('answers a plain-HTTP peer outside the list with a fixed 403 CALLER_NOT_ALLOWED, relaying nothing', async () => {
    const before = system.sandbox.state.calls.count('/wxa/msg_sec_check');
    for (const target of ['/wxa/msg_sec_check', 'http://api.weixin.qq.com/wxa/msg_sec_check']) {
      const answer = parseResponse(await rawFrom('127.0.0.2', loopbackOnly.http, rawRequest('GET', target)), true)!;
      expectError(answer, 403, 'CALLER_NOT_ALLOWED', 48001);
    }
    expect(system.sandbox.state.calls.count('/wxa/msg_sec_check')).toBe(before);
    // The same request from an allowed address is relayed.
    const allowed = parseResponse(await rawFrom('127.0.0.1', loopbackOnly.http, rawRequest('GET', '/wxa/msg_sec_check')), true)!;
    expect(allowed.status).toBe(200);
  });

  it('opens no CONNECT tunnel for a peer outside the list', async () => {
    const answer = parseResponse(await rawFrom('127.0.0.2', loopbackOnly.http, 'CONNECT api.weixin.qq.com:443 HTTP/1.1\r\nhost: api.weixin.qq.com:443\r\n\r\n'), true)!;
    expectError(answer, 403, 'CALLER_NOT_ALLOWED', 48001);
  });

  it('closes a TLS connection from outside the list before any handshake', async () => {
    const ca = readFileSync(path.join(loopbackOnly.proc.cwd, 'data/cert/certificate.crt'), 'utf8');
    const outcome = (localAddress: string) =>
      new Promise<string>((resolve) => {
        const tcp = netConnect({ port: loopbackOnly.https, host: '127.0.0.1', localAddress });
        const socket = tlsConnect({ socket: tcp, ca, servername: 'api.weixin.qq.com' }, () => {
          resolve('handshake');
          socket.destroy();
        });
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      });
    expect(await outcome('127.0.0.2')).toMatch(/ECONNRESET|EPIPE|socket disconnected/i);
    expect(await outcome('127.0.0.1')).toBe('handshake');
  });

  it('counts refused connections by port, with no address label', async () => {
    const http = await metric(loopbackOnly.proc.adminPort, 'wxgate_forwarder_refused_connections_total{port="http"}');
    const https = await metric(loopbackOnly.proc.adminPort, 'wxgate_forwarder_refused_connections_total{port="https"}');
    expect(http).toBeGreaterThanOrEqual(3);
    expect(https).toBeGreaterThanOrEqual(1);
    await rawFrom('127.0.0.2', loopbackOnly.http, 'GET / HTTP/1.1\r\n\r\n');
    expect(await metric(loopbackOnly.proc.adminPort, 'wxgate_forwarder_refused_connections_total{port="http"}')).toBe(http + 1);
    expect(loopbackOnly.proc.output()).toMatch(/refused 1 connection\(s\) from outside RELAY_ALLOW_CIDRS \(latest from 127\.0\.0\.2\)/);
  });

  it('refuses to start with a bad CIDR, naming it in one line', async () => {
    const result = await runToExit('forwarder', { NATS_URL: system.nats.url, RELAY_ALLOW_CIDRS: '10.0.0.0/8,10.0.0.0/33' });
    expect(result.code).not.toBe(0);
    expect(result.output.trim().split('\n')).toEqual([expect.stringContaining('RELAY_ALLOW_CIDRS has "10.0.0.0/33", which is not a CIDR')]);
  });
});

describe('an environment without callers', () => {
  it('relays without a credential, and never passes x-wxgate-caller on', async () => {
    const answer = await call(`${loopbackOnly.base}/wxa/msg_sec_check`, { headers: { 'x-wxgate-caller': 'someone:wxgc_whatever' } });
    expect(answer.status).toBe(200);
    expect(echoOf(answer).headers).not.toHaveProperty('x-wxgate-caller');
  });
});

describe('an environment with callers: every way of calling needs one', () => {
  it('refuses each form without a credential (401 direct, 407 proxy forms) and relays nothing', async () => {
    const before = sandboxCalls();
    const direct = await call(`${guarded.base}/wxa/msg_sec_check`);
    expectError(direct, 401, 'CALLER_UNAUTHENTICATED', 48001);
    expect(direct.headers['www-authenticate']).toBe('x-wxgate-caller realm="wxgate"');
    const proxied = await rawCall(guarded.http, rawRequest('GET', 'http://api.weixin.qq.com/wxa/msg_sec_check'));
    expectError(proxied, 407, 'CALLER_UNAUTHENTICATED', 48001);
    expect(proxied.headers['proxy-authenticate']).toBe('Basic realm="wxgate"');
    const tunnel = await connectTunnel(guarded.http, 'api.weixin.qq.com:443');
    expect(tunnel.status).toBe(407);
    expect(tunnel.head).toMatch(/proxy-authenticate: Basic realm="wxgate"/i);
    expect(JSON.parse(tunnel.body)).toMatchObject({ reason: 'CALLER_UNAUTHENTICATED', errcode: 48001 });
    const agent = trustingAgent(ca);
    try {
      expectError(await call(`https://127.0.0.1:${guarded.https}/wxa/msg_sec_check`, { dispatcher: agent }), 401, 'CALLER_UNAUTHENTICATED', 48001);
    } finally {
      await agent.close();
    }
    // Bringing an own access_token does not skip the check either.
    expectError(await call(`${guarded.base}/wxa/msg_sec_check?access_token=mine`), 401, 'CALLER_UNAUTHENTICATED', 48001);
    expect(sandboxCalls()).toBe(before);
  });

  it('answers a wrong secret and an unknown name identically', async () => {
    const answers = [
      await call(`${guarded.base}/wxa/msg_sec_check`, { headers: { 'x-wxgate-caller': `billing:${ops.secret}` } }),
      await call(`${guarded.base}/wxa/msg_sec_check`, { headers: { 'x-wxgate-caller': `nobody:${ops.secret}` } }),
      await call(`${guarded.base}/wxa/msg_sec_check`, { headers: { 'x-wxgate-caller': 'garbage' } }),
    ];
    for (const a of answers) expectError(a, 401, 'CALLER_UNAUTHENTICATED', 48001);
    expect(shape(answers[1]!)).toEqual(shape(answers[0]!));
    expect(shape(answers[2]!)).toEqual(shape(answers[0]!));
    const proxied = [
      await rawCall(guarded.http, rawRequest('GET', 'http://api.weixin.qq.com/wxa/msg_sec_check', { 'proxy-authorization': basic({ name: 'billing', secret: ops.secret }) })),
      await rawCall(guarded.http, rawRequest('GET', 'http://api.weixin.qq.com/wxa/msg_sec_check', { 'proxy-authorization': basic({ name: 'nobody', secret: ops.secret }) })),
    ];
    expect(shape(proxied[0]!)).toEqual({ status: 407, body: expect.stringContaining('not accepted'), authenticate: 'Basic realm="wxgate"' });
    expect(shape(proxied[1]!)).toEqual(shape(proxied[0]!));
  });

  it('relays a base-URL call with x-wxgate-caller, which never reaches WeChat', async () => {
    const answer = await call(`${guarded.base}/wxa/msg_sec_check?via=base`, { headers: header(billing) });
    expect(answer.status).toBe(200);
    expect(echoOf(answer).tokenOwner.appid).toBe(app.appid);
    expect(echoOf(answer).headers).not.toHaveProperty('x-wxgate-caller');
    expect(JSON.stringify(echoOf(answer).headers)).not.toContain(billing.secret);
  });

  it('relays HTTPS by name with x-wxgate-caller', async () => {
    const agent = trustingAgent(ca);
    try {
      const answer = await call(`https://127.0.0.1:${guarded.https}/wxa/msg_sec_check?via=tls`, { dispatcher: agent, headers: header(ops) });
      expect(answer.status).toBe(200);
      expect(echoOf(answer).headers).not.toHaveProperty('x-wxgate-caller');
    } finally {
      await agent.close();
    }
  });

  it('relays curl -x http://name:secret@relay (absolute-form with Proxy-Authorization), which never reaches WeChat', async () => {
    const proxy = `http://${billing.name}:${billing.secret}@127.0.0.1:${guarded.http}`;
    const ok = await curl(['-x', proxy, 'http://api.weixin.qq.com/wxa/msg_sec_check?via=curl']);
    expect(ok.status).toBe(200);
    const echo = JSON.parse(ok.body).echo as { headers: Record<string, string> };
    expect(echo.headers).not.toHaveProperty('proxy-authorization');
    expect(JSON.stringify(echo.headers)).not.toContain(billing.secret);
    expect((await curl(['-x', `http://127.0.0.1:${guarded.http}`, 'http://api.weixin.qq.com/wxa/msg_sec_check'])).status).toBe(407);
  });

  it('tunnels curl -x http://name:secret@relay https://… (CONNECT with Proxy-Authorization, --cacert), refusing it without', async () => {
    const caFile = path.join(guarded.proc.cwd, 'data/cert/certificate.crt');
    const proxy = `http://${billing.name}:${billing.secret}@127.0.0.1:${guarded.http}`;
    const ok = await curl(['-x', proxy, '--cacert', caFile, 'https://api.weixin.qq.com/wxa/msg_sec_check?via=connect']);
    expect([ok.connectStatus, ok.status]).toEqual([200, 200]);
    expect(JSON.parse(ok.body).echo.query.raw).toMatch(/^via=connect&access_token=/);
    const refused = await curl(['-x', `http://billing:wrong@127.0.0.1:${guarded.http}`, '--cacert', caFile, 'https://api.weixin.qq.com/wxa/msg_sec_check']);
    expect(refused.connectStatus).toBe(407);
  });

  it('tunnels undici ProxyAgent with a token', async () => {
    const agent = new ProxyAgent({ uri: `http://127.0.0.1:${guarded.http}`, token: basic(ops), requestTls: { ca } });
    try {
      const answer = await call('https://api.weixin.qq.com/wxa/msg_sec_check?via=undici', { dispatcher: agent });
      expect(answer.status).toBe(200);
      expect(echoOf(answer).query.raw).toMatch(/^via=undici&/);
      expect(echoOf(answer).headers).not.toHaveProperty('proxy-authorization');
      // http:// targets go through CONNECT :80 with plain HTTP inside; the tunnel's credential covers them too.
      const plain = await call('http://api.weixin.qq.com/wxa/msg_sec_check?via=undici80', { dispatcher: agent });
      expect(plain.status).toBe(200);
    } finally {
      await agent.close();
    }
    const anonymous = new ProxyAgent({ uri: `http://127.0.0.1:${guarded.http}` });
    try {
      await expect(call('http://api.weixin.qq.com/wxa/msg_sec_check', { dispatcher: anonymous })).rejects.toThrow(/407/);
    } finally {
      await anonymous.close();
    }
  });

  it('relays axios with proxy auth', async () => {
    const answer = await axios.get('http://api.weixin.qq.com/wxa/msg_sec_check?via=axios', {
      proxy: { protocol: 'http', host: '127.0.0.1', port: guarded.http, auth: { username: billing.name, password: billing.secret } },
      validateStatus: () => true,
    });
    expect(answer.status).toBe(200);
    expect(answer.data.echo.headers).not.toHaveProperty('proxy-authorization');
    const refused = await axios.get('http://api.weixin.qq.com/wxa/msg_sec_check', { proxy: { protocol: 'http', host: '127.0.0.1', port: guarded.http }, validateStatus: () => true });
    expect(refused.status).toBe(407);
    expect(refused.data).toMatchObject({ reason: 'CALLER_UNAUTHENTICATED', errcode: 48001 });
  });

  it('names the caller in the access log and in a metric label, never a secret', async () => {
    await waitFor(() => /"context":"access"[^\n]*"caller":"billing"[^\n]*"status":200/.test(guarded.proc.output()), { what: 'an access-log line naming billing' });
    expect(guarded.proc.output()).toMatch(/"context":"access"[^\n]*"caller":"ops"/);
    expect(guarded.proc.output()).not.toContain(billing.secret);
    expect(await metric(guarded.proc.adminPort, 'wxgate_forwarder_caller_calls_total{caller="billing"}')).toBeGreaterThanOrEqual(4);
    expect(await metric(guarded.proc.adminPort, 'wxgate_forwarder_caller_rejections_total{reason="wrong"}')).toBeGreaterThanOrEqual(5);
    const text = await (await fetch(`http://127.0.0.1:${guarded.proc.adminPort}/metrics`)).text();
    expect(text).not.toContain('nobody');
    expect(text).not.toContain(billing.secret);
  });
});

describe('revocation', () => {
  it('stops a removed caller within 1 s on every forwarder, its open tunnels included, and keeps the others', async () => {
    // An undici ProxyAgent keeps its tunnel open between requests.
    const replicaCa = readFileSync(path.join(replica.proc.cwd, 'data/cert/certificate.crt'), 'utf8');
    const agent = new ProxyAgent({ uri: `http://127.0.0.1:${replica.http}`, token: basic(billing), requestTls: { ca: replicaCa } });
    try {
      expect((await call('https://api.weixin.qq.com/wxa/msg_sec_check?warm=1', { dispatcher: agent })).status).toBe(200);
      for (const relay of [guarded, replica]) expect((await call(`${relay.base}/wxa/msg_sec_check`, { headers: header(billing) })).status).toBe(200);
      const started = Date.now();
      expect(await system.req('wxgate.admin.caller.remove', { envId: 'guarded', name: 'billing' })).toEqual({ ok: true });
      const stoppedAt = await Promise.all(
        [guarded, replica].map((relay) =>
          waitFor(
            async () => ((await call(`${relay.base}/wxa/msg_sec_check`, { headers: header(billing) })).status === 401 ? Date.now() : undefined),
            { timeoutMs: 5_000, intervalMs: 10, what: 'the removed caller to be refused' },
          ),
        ),
      );
      const worst = Math.max(...stoppedAt) - started;
      process.stdout.write(`removed caller refused by both forwarders ${worst} ms after caller.remove was sent\n`);
      expect(worst).toBeLessThan(1_000);
      const inTunnel = await call('https://api.weixin.qq.com/wxa/msg_sec_check?after=1', { dispatcher: agent });
      expect(inTunnel.status).toBe(407);
      for (const relay of [guarded, replica]) expect((await call(`${relay.base}/wxa/msg_sec_check`, { headers: header(ops) })).status).toBe(200);
    } finally {
      await agent.close();
    }
  });

  it('lets anyone allowed in call again once the last caller is removed', async () => {
    expect(await system.req('wxgate.admin.caller.remove', { envId: 'guarded', name: 'ops' })).toEqual({ ok: true });
    await waitFor(async () => (await call(`${guarded.base}/wxa/msg_sec_check`)).status === 200, { what: 'an open environment again' });
    const tunnel = await connectTunnel(guarded.http, 'api.weixin.qq.com:443');
    expect(tunnel.status).toBe(200);
    const answer = await requestThroughTunnel(tunnel.socket, ca, 'api.weixin.qq.com', '/wxa/msg_sec_check');
    expect(answer.status).toBe(200);
  });
});
