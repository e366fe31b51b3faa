/**
 * The relay against clients that misbehave, hostile or clumsy: resets right after an answer,
 * TLS handshakes given up half-way (an untrusted CA), heads sent a byte at a time, callers that
 * vanish mid-upload or mid-download. Whatever they do, the forwarder keeps serving, holds no
 * socket in CLOSE-WAIT afterwards and still stops within 2 s. Sockets are counted from
 * /proc/<pid> of the real forwarder process.
 */
import { spawn } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { allowApp, startFakeControlPlane, type FakeControlPlane } from './support/fake-control-plane.js';
import { connectTunnel, rawCall, rawRequest } from './support/forwarder-client.js';
import { freePort, startApp, startNatsServer, waitFor, type AppProcess, type NatsServerHandle } from './support/harness.js';
import { connectionsOn } from './support/process-sockets.js';

const APP_ID = 'wxapp00000001';

let nats: NatsServerHandle;
let sandbox: Sandbox;
let fake: FakeControlPlane;
let forwarder: AppProcess;
let ports: { http: number; https: number };

const pid = () => forwarder.child.pid!;
const callerSockets = () => connectionsOn(pid(), [ports.http, ports.https]);
const alive = async () => (await fetch(`http://127.0.0.1:${forwarder.adminPort}/readyz`)).status === 200 && forwarder.child.exitCode === null;

/** No caller connection left on the relay ports (closing ones gone too), within a deadline. */
async function expectNoCallerSockets(what: string): Promise<void> {
  await waitFor(() => callerSockets().length === 0, { timeoutMs: 5_000, what: `${what}: no caller sockets (left: ${JSON.stringify(callerSockets())})` });
}

function opened(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

function readHead(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      if (buffered.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve(buffered);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

beforeAll(async () => {
  nats = await startNatsServer();
  sandbox = await createSandbox({ seed: { apps: [{ appid: APP_ID, secret: 'app-secret' }] } });
  fake = await startFakeControlPlane(nats.url, sandbox);
  fake.decisions.set('/wxa/msg_sec_check', allowApp(APP_ID));
  const [http, https] = [await freePort(), await freePort()];
  forwarder = await startApp('forwarder', { NATS_URL: nats.url, ENV_ID: 'hard', PORT: String(http), TLS_PORT: String(https), WECHAT_API_BASE: sandbox.url, WECHAT_API_BACKUP: '' });
  await forwarder.waitReady();
  ports = { http, https };
});

afterAll(async () => {
  await forwarder?.stop();
  await fake?.close();
  await sandbox?.close();
  await nats?.stop();
});

describe('a refused CONNECT', () => {
  it('survives `curl -x … https://example.com/` (curl resets the socket after the 403)', async () => {
    const curl = spawn('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_connect}', '-x', `http://127.0.0.1:${ports.http}`, 'https://example.com/'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    curl.stdout.on('data', (d) => (out += d));
    await new Promise((resolve) => curl.once('exit', resolve));
    expect(out).toBe('403');
    expect(await alive()).toBe(true);
    await expectNoCallerSockets('after curl');
  });

  it('survives a raw caller that resets right after reading the 403', async () => {
    for (let i = 0; i < 5; i++) {
      const socket = await opened(ports.http);
      socket.write('CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n');
      expect(await readHead(socket)).toMatch(/^HTTP\/1\.1 403 .*x-openapi-seqid: [0-9a-f]{16}/s);
      socket.resetAndDestroy();
    }
    // A refused caller that never closes its side is cut, not kept.
    const lingering = await opened(ports.http);
    lingering.write('CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n');
    await readHead(lingering);
    await new Promise((resolve) => lingering.once('close', resolve));
    expect(await alive()).toBe(true);
    await expectNoCallerSockets('after resets');
  });
});

describe('a TLS handshake the caller gives up', () => {
  /** What an axios/Node client does when wxgate's CA is not trusted yet. */
  function untrustedHandshake(socket: Socket): Promise<string> {
    return new Promise((resolve) => {
      const tls = tlsConnect({ socket, servername: 'api.weixin.qq.com' });
      tls.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      tls.on('secureConnect', () => resolve('connected'));
    });
  }

  it('inside a CONNECT tunnel leaves no CLOSE-WAIT socket in the forwarder', async () => {
    for (let i = 0; i < 3; i++) {
      const tunnel = await connectTunnel(ports.http, 'api.weixin.qq.com:443');
      expect(tunnel.status).toBe(200);
      expect(await untrustedHandshake(tunnel.socket)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      tunnel.socket.destroy();
    }
    expect(await alive()).toBe(true);
    await expectNoCallerSockets('after failed tunnelled handshakes');
  });

  it('on the TLS port leaves no CLOSE-WAIT socket either', async () => {
    for (let i = 0; i < 3; i++) expect(await untrustedHandshake(await opened(ports.https))).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    // Half a ClientHello, then a reset; and plain HTTP spoken to the TLS port.
    const half = await opened(ports.https);
    half.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    half.resetAndDestroy();
    const plain = await opened(ports.https);
    plain.end('GET / HTTP/1.1\r\nhost: a\r\n\r\n');
    await new Promise((resolve) => plain.once('close', resolve));
    expect(await alive()).toBe(true);
    await expectNoCallerSockets('after failed handshakes on the TLS port');
  });
});

describe('still relaying', () => {
  it('answers a normal call after all of the above', async () => {
    const answer = await rawCall(ports.http, rawRequest('GET', '/wxa/msg_sec_check'));
    expect([answer.status, answer.json().errcode]).toEqual([200, 0]);
  });
});

describe('stopping', () => {
  it('stops within 2 s after such clients', async () => {
    const tunnel = await connectTunnel(ports.http, 'api.weixin.qq.com:443');
    tunnel.socket.on('error', () => undefined);
    const { code, ms } = await forwarder.stop();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(2_000);
    tunnel.socket.destroy();
  });
});
