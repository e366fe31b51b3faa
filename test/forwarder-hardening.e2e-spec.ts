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
import { connectTunnel, parseResponse, rawCall, rawRequest, type Answer } from './support/forwarder-client.js';
import { freePort, startApp, startNatsServer, waitFor, type AppProcess, type NatsServerHandle } from './support/harness.js';
import { connectionsOn, processSockets } from './support/process-sockets.mjs';

const APP_ID = 'wxapp00000001';

let nats: NatsServerHandle;
let sandbox: Sandbox;
let fake: FakeControlPlane;
let forwarder: AppProcess;
let ports: { http: number; https: number };

const pid = () => forwarder.child.pid!;
const processSocketsOf = () => processSockets(pid());
const callerSockets = () => connectionsOn(pid(), [ports.http, ports.https]);
const alive = async () => (await fetch(`http://127.0.0.1:${forwarder.adminPort}/readyz`)).status === 200 && forwarder.child.exitCode === null;

/** Every answer on a connection, in order, read until the forwarder closes it. */
function exchange(bytes: string | Buffer): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(ports.http, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const answers: Answer[] = [];
      let rest = Buffer.concat(chunks);
      for (;;) {
        const answer = parseResponse(rest);
        if (!answer) break;
        answers.push(answer);
        const headEnd = rest.indexOf('\r\n\r\n') + 4;
        rest = rest.subarray(headEnd + answer.body.length);
      }
      resolve(answers);
    });
    socket.write(bytes);
  });
}

const wxgateError = (answer: Answer | undefined) => ({ status: answer?.status, reason: answer?.json().reason, errcode: answer?.json().errcode, seqid: /^[0-9a-f]{16}$/.test(String(answer?.headers['x-openapi-seqid'])) });

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
  forwarder = await startApp('forwarder', {
    NATS_URL: nats.url,
    ENV_ID: 'hard',
    PORT: String(http),
    TLS_PORT: String(https),
    WECHAT_API_BASE: sandbox.url,
    WECHAT_API_BACKUP: '',
    RELAY_HEADERS_TIMEOUT_MS: '1000',
    RELAY_TLS_HANDSHAKE_TIMEOUT_MS: '1000',
    RELAY_KEEP_ALIVE_TIMEOUT_MS: '1000',
    // The idle cut is at least UPSTREAM_TIMEOUT_MS + 5 s, so a call waiting on WeChat is never cut.
    UPSTREAM_TIMEOUT_MS: '500',
    RELAY_IDLE_TIMEOUT_MS: '1000',
  });
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

describe('heads Node refuses or lets through', () => {
  it('answers an earlier pipelined call before refusing an unparsable one after it', async () => {
    const before = sandbox.state.calls.count('/wxa/msg_sec_check');
    const answers = await exchange('GET /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\n\r\nGET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(answers.map((a) => a.status)).toEqual([200, 400]);
    expect(answers[0]!.json().errcode).toBe(0);
    expect(wxgateError(answers[1])).toEqual({ status: 400, reason: 'BAD_PATH', errcode: 40066, seqid: true });
    expect(sandbox.state.calls.count('/wxa/msg_sec_check')).toBe(before + 1);
  });

  it.each(['get', 'FOO', 'POSTX', 'Post'])('refuses method %s with 405 METHOD_NOT_ALLOWED', async (method) => {
    expect(wxgateError((await exchange(rawRequest(method, '/wxa/msg_sec_check')))[0])).toEqual({ status: 405, reason: 'METHOD_NOT_ALLOWED', errcode: 43001, seqid: true });
  });

  it('refuses HTTP/1.1 without Host and an Expect it cannot meet, in its own shape', async () => {
    expect(wxgateError((await exchange('GET /wxa/msg_sec_check HTTP/1.1\r\nconnection: close\r\n\r\n'))[0])).toEqual({ status: 400, reason: 'MALFORMED_REQUEST', errcode: 47001, seqid: true });
    expect(wxgateError((await exchange(rawRequest('POST', '/wxa/msg_sec_check', { expect: 'something-else', 'content-length': '2' }, '{}')))[0])).toEqual({
      status: 417,
      reason: 'EXPECTATION_FAILED',
      errcode: 47001,
      seqid: true,
    });
  });

  it('refuses oversized heads and too many header lines with 431 HEADERS_TOO_LARGE', async () => {
    expect(wxgateError((await exchange(rawRequest('GET', '/wxa/msg_sec_check', { 'x-big': 'a'.repeat(17_000) })))[0])).toEqual({ status: 431, reason: 'HEADERS_TOO_LARGE', errcode: 45002, seqid: true });
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`x-h${i}`, 'v']));
    expect(wxgateError((await exchange(rawRequest('GET', '/wxa/msg_sec_check', many)))[0])).toEqual({ status: 431, reason: 'HEADERS_TOO_LARGE', errcode: 45002, seqid: true });
  });

  it.each([
    ['a bad version', 'GET /wxa/msg_sec_check HTTP/9.9\r\nhost: a\r\n\r\n'],
    ['Content-Length with Transfer-Encoding', 'POST /wxa/msg_sec_check HTTP/1.1\r\nhost: a\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['two Content-Lengths', 'POST /wxa/msg_sec_check HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}'],
    ['a bad chunk size', 'POST /wxa/msg_sec_check HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'],
  ])('refuses %s with 400 MALFORMED_REQUEST and sends nothing on', async (_what, bytes) => {
    const before = sandbox.state.calls.count('/wxa/msg_sec_check');
    expect(wxgateError((await exchange(bytes))[0])).toEqual({ status: 400, reason: 'MALFORMED_REQUEST', errcode: 47001, seqid: true });
    expect(sandbox.state.calls.count('/wxa/msg_sec_check')).toBe(before);
  });

  it('refuses a #fragment in the target with 400 BAD_QUERY rather than appending the token after it', async () => {
    const before = sandbox.state.calls.count('/wxa/msg_sec_check');
    expect(wxgateError((await exchange(rawRequest('GET', '/wxa/msg_sec_check?a=1#x')))[0])).toEqual({ status: 400, reason: 'BAD_QUERY', errcode: 40066, seqid: true });
    expect(sandbox.state.calls.count('/wxa/msg_sec_check')).toBe(before);
  });
});

describe('slow and vanishing callers', () => {
  it('cuts a slowloris head after RELAY_HEADERS_TIMEOUT_MS with 408 REQUEST_TIMEOUT', async () => {
    const socket = await opened(ports.http);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const head = 'GET /wxa/msg_sec_check HTTP/1.1\r\nhost: a\r\nx-slow: ';
    const started = Date.now();
    let sent = 0;
    // One byte every 100 ms: each byte alone would reset an idle timer, never the head deadline.
    const drip = setInterval(() => socket.writable && socket.write(head[sent++] ?? 'a'), 100);
    await closed;
    clearInterval(drip);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(wxgateError(parseResponse(Buffer.concat(chunks), true))).toEqual({ status: 408, reason: 'REQUEST_TIMEOUT', errcode: 47001, seqid: true });
    await expectNoCallerSockets('after a slowloris head');
  });

  /** Resolves with how long the forwarder took to close a connection that then does nothing. */
  async function closedAfter(socket: Socket): Promise<number> {
    const started = Date.now();
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('close', resolve));
    return Date.now() - started;
  }

  it('cuts a TLS handshake that never starts after RELAY_TLS_HANDSHAKE_TIMEOUT_MS, on the TLS port and in a tunnel', async () => {
    const silent = await opened(ports.https);
    const tunnel = await connectTunnel(ports.http, 'api.weixin.qq.com:443');
    const [direct, tunnelled] = await Promise.all([closedAfter(silent), closedAfter(tunnel.socket)]);
    for (const ms of [direct, tunnelled]) {
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(3_000);
    }
    await expectNoCallerSockets('after silent handshakes');
  });

  it('closes an idle kept-alive connection after RELAY_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const socket = await opened(ports.http);
    socket.write('GET /wxa/msg_sec_check HTTP/1.1\r\nhost: a\r\n\r\n');
    expect(await readHead(socket)).toMatch(/^HTTP\/1\.1 200 /);
    const ms = await closedAfter(socket);
    expect(ms).toBeGreaterThanOrEqual(500);
    expect(ms).toBeLessThan(3_500);
  });

  it('cuts a stalled upload after the idle timeout (UPSTREAM_TIMEOUT_MS + 5 s at the least)', async () => {
    const socket = await opened(ports.http);
    socket.write('POST /wxa/msg_sec_check HTTP/1.1\r\nhost: a\r\ncontent-length: 1000\r\n\r\n{"a":');
    const ms = await closedAfter(socket);
    expect(ms).toBeGreaterThanOrEqual(5_000);
    expect(ms).toBeLessThan(8_000);
    await expectNoCallerSockets('after a stalled upload');
  }, 15_000);

  it('leaves nothing open when a caller vanishes mid-upload or mid-download', async () => {
    const upload = await opened(ports.http);
    upload.write('POST /wxa/msg_sec_check HTTP/1.1\r\nhost: a\r\ncontent-length: 2000000\r\n\r\n' + 'x'.repeat(500_000));
    await waitFor(() => upload.bytesWritten > 500_000 || upload.destroyed, { what: 'upload under way' });
    upload.resetAndDestroy();
    sandbox.state.faults.add({ type: 'oversized', path: '/wxa/msg_sec_check', bytes: 8_000_000, chunked: true, count: 1 });
    const download = await opened(ports.http);
    download.write('GET /wxa/msg_sec_check HTTP/1.1\r\nhost: a\r\n\r\n');
    await new Promise((resolve) => download.once('data', resolve));
    download.resetAndDestroy();
    await expectNoCallerSockets('after vanishing callers');
    // Towards WeChat too: nothing half-closed.
    await waitFor(() => !processSocketsOf().some((s) => s.state === 'CLOSE_WAIT'), { timeoutMs: 5_000, what: 'no CLOSE_WAIT at all' });
    expect(await alive()).toBe(true);
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
