/**
 * Who may use the relay (docs/callers.md): the source-address allowlist on every port, and caller
 * credentials per environment through every way of calling, with real clients (curl, undici's
 * ProxyAgent, axios), the real policy service and token-refresher, and forwarder processes.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { metric, parseResponse, rawRequest, type Answer } from './support/forwarder-client.js';
import { type AppProcess } from './support/harness.js';
import { putEnv, startWxgateSystem, SYSTEM, type WxgateSystem } from './support/wxgate-system.js';

const { app } = SYSTEM;
const PATHS = ['/wxa/msg_sec_check'];

let system: WxgateSystem;
type Relay = { proc: AppProcess; http: number; https: number; base: string };
let loopbackOnly: Relay;

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
  loopbackOnly = await system.startForwarder({ ENV_ID: 'open', RELAY_ALLOW_CIDRS: '127.0.0.1/32' });
}, 60_000);

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
    const { runToExit } = await import('./support/harness.js');
    const result = await runToExit('forwarder', { NATS_URL: system.nats.url, RELAY_ALLOW_CIDRS: '10.0.0.0/8,10.0.0.0/33' });
    expect(result.code).not.toBe(0);
    expect(result.output.trim().split('\n')).toEqual([expect.stringContaining('RELAY_ALLOW_CIDRS has "10.0.0.0/33", which is not a CIDR')]);
  });
});
