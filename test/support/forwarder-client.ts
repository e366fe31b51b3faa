/**
 * Clients for forwarder tests: undici for ordinary calls (with wxgate's CA for HTTPS), raw sockets
 * for request targets no well-behaved client would send (`..`, `%00`, non-ASCII bytes) and for
 * CONNECT tunnels.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Agent, request, type Dispatcher } from 'undici';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  json: () => Record<string, any>;
}

export async function call(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string | AsyncIterable<Buffer>; dispatcher?: Dispatcher } = {},
): Promise<Answer> {
  const res = await request(url, {
    method: (options.method ?? (options.body === undefined ? 'GET' : 'POST')) as Dispatcher.HttpMethod,
    headers: options.headers,
    body: options.body as never,
    dispatcher: options.dispatcher,
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) };
}

/** An undici agent that trusts only wxgate's CA and names `servername` in SNI. */
export function trustingAgent(ca: string, servername = 'api.weixin.qq.com'): Agent {
  return new Agent({ connect: { ca, servername } });
}

/** Parses one HTTP/1.1 response out of `bytes` (content-length or read-to-close bodies). */
/** `complete`: the connection closed, so a shorter body (a HEAD answer) is all there is. */
export function parseResponse(bytes: Buffer, complete = false): Answer | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(lines[0]!.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  const body = bytes.subarray(end + 4);
  if (length !== undefined && body.length < length && !complete) return undefined;
  const exact = length === undefined ? body : body.subarray(0, length);
  return { status, headers, body: exact, json: () => JSON.parse(exact.toString('utf8')) };
}

/** Sends raw bytes (one request, `Connection: close`) and parses the answer. */
export function rawCall(port: number, head: string | Buffer, host = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, host);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const answer = parseResponse(Buffer.concat(chunks), true);
      if (answer) resolve(answer);
      else reject(new Error(`no complete HTTP answer: ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 300))}`));
    });
    socket.write(head);
  });
}

/** Builds `METHOD target HTTP/1.1` with Host and Connection: close; `target` is sent byte for byte. */
export function rawRequest(method: string, target: string | Buffer, headers: Record<string, string> = {}, body = ''): Buffer {
  const lines = Object.entries({ host: 'api.weixin.qq.com', connection: 'close', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([Buffer.from(`${method} `), Buffer.from(target), Buffer.from(` HTTP/1.1\r\n${lines}\r\n${body}`)]);
}

/** Opens a CONNECT tunnel; resolves with the proxy's answer head and the socket (open on 200). */
export function connectTunnel(port: number, authority: string): Promise<{ status: number; head: string; body: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const status = Number(head.split(' ')[1]);
      if (status === 200) {
        socket.off('data', onData);
        resolve({ status, head, body: '', socket });
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.on('close', () => {
      const end = buffered.indexOf('\r\n\r\n');
      const head = buffered.subarray(0, end === -1 ? buffered.length : end).toString('latin1');
      resolve({ status: Number(head.split(' ')[1]), head, body: end === -1 ? '' : buffered.subarray(end + 4).toString('utf8'), socket });
    });
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`);
  });
}

/** One HTTPS request through an open tunnel, verified against `ca` with SNI `servername`. */
export function requestThroughTunnel(socket: Socket, ca: string, servername: string, target: string): Promise<Answer & { authorized: boolean }> {
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket, ca, servername }, () => {
      tls.write(`GET ${target} HTTP/1.1\r\nhost: ${servername}\r\nconnection: close\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    tls.on('data', (c: Buffer) => chunks.push(c));
    tls.on('error', reject);
    tls.on('close', () => {
      const answer = parseResponse(Buffer.concat(chunks));
      if (answer) resolve({ ...answer, authorized: tls.authorized });
      else reject(new Error('no complete HTTP answer through the tunnel'));
    });
  });
}

/** Reads one Prometheus sample (`name{labels}` exactly as printed, or a bare name). */
export async function metric(adminPort: number, sample: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const name = line.slice(0, space);
    if (name === sample || (sample.endsWith('{') && name.startsWith(sample))) total += Number(line.slice(space + 1));
  }
  return total;
}
