// Seeded raw-socket fuzz campaigns against the relay and the WeChat callback (docs/hardening.md).
// Each case is bytes written to a fresh TCP connection (in pieces, with pauses, or cut by a reset);
// every answer is checked as it comes back, and the stand-ins' records are checked afterwards.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { ALLOWLIST, APP_ID, CALLER, COMPONENT, connectionsOn, INJECTED_TOKEN, RESERVED, rssBytes } from './targets.mjs';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (list) => list[int(list.length)], chance: (p) => next() < p };
}

const SEQID = /^[0-9a-f]{16}$/;
/** What the relay may answer (SPEC's statuses plus the documented head refusals). */
export const RELAY_STATUSES = new Set([200, 400, 401, 403, 405, 407, 408, 413, 417, 431, 502, 503, 504]);
/** What the callback may answer: SPEC's four, plus 404/405 for another path or method. */
export const CALLBACK_STATUSES = new Set([200, 400, 401, 404, 405, 413]);

// --- relay cases ---------------------------------------------------------------------------

const HOSTS = ['api.weixin.qq.com', 'API.WEIXIN.QQ.COM', 'api2.weixin.qq.com', 'sz.api.weixin.qq.com', 'api.weixin.qq.com.', 'api.weixin.qq.com.evil.com', 'evil.com', 'user@api.weixin.qq.com', '[::1]', '127.0.0.1', 'api.weixin.qq.com%00', 'xn--api-weixin', 'api.weixin.qq.com:80', 'api.weixin.qq.com:443', 'api.weixin.qq.com:8080', 'api.weixin.qq.com:-1', 'api.weixin.qq.com:99999', '', 'a'.repeat(300)];
const SEGMENTS = ['wxa', 'cgi-bin', 'msg_sec_check', 'token', 'stable_token', 'component', 'api_component_token', '..', '.', '', '%2e%2e', '%2F', '%00', '%', '\\', 'a;b', 'é', '\u4e2d', 'x#y', '~', '-_.', 'A'.repeat(64), '%252e', '\t', ' '];
const PARAMS = ['from_appid=' + APP_ID, 'from_appid=wx0000000000000000', 'from_appid=', 'access_token=caller', 'component_access_token=c', 'access_token=a&access_token=b', 'from_appid=a&from_appid=b', 'a=%26access_token%3Dx', 'a=1#frag', '%61ccess_token=x', 'ACCESS_TOKEN=x', 'a', '=', '&&', 'x=' + 'y'.repeat(200), 'from_appid=' + APP_ID + '&access_token=z'];
const METHODS = ['GET', 'POST', 'get', 'Post', 'PUT', 'DELETE', 'FOO', 'POSTX', 'HEAD', 'OPTIONS', 'PATCH', 'CONNECT', 'G ET', ''];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1 ', 'http/1.1', 'HTTP/1.', ''];

function randomPath(r) {
  if (r.chance(0.35)) return r.pick([...ALLOWLIST, ...RESERVED]) + (r.chance(0.2) ? r.pick(['/', '//', '/.', '%2f', '.', '/..']) : '');
  const n = 1 + r.int(4);
  return '/' + Array.from({ length: n }, () => r.pick(SEGMENTS)).join('/');
}

function randomTarget(r) {
  const query = r.chance(0.6) ? '?' + Array.from({ length: 1 + r.int(3) }, () => r.pick(PARAMS)).join('&') : '';
  const origin = randomPath(r) + query;
  switch (r.int(6)) {
    case 0:
      return `http://${r.pick(HOSTS)}${origin}`;
    case 1:
      return `https://${r.pick(HOSTS)}${origin}`;
    case 2:
      return r.pick(['*', 'ftp://api.weixin.qq.com/x', 'http://api.weixin.qq.com', 'api.weixin.qq.com/wxa/msg_sec_check', '//api.weixin.qq.com/wxa/msg_sec_check', '']);
    default:
      return origin;
  }
}

const basic = (pair) => `Basic ${Buffer.from(pair, 'latin1').toString('base64')}`;
const GOOD_PAIR = `${CALLER.name}:${CALLER.secret}`;

/**
 * The caller credential a request presents (docs/callers.md): mostly the right one, in either
 * header; otherwise missing, wrong, truncated, mis-encoded, repeated or oversized.
 */
function callerHeaders(r) {
  if (r.chance(0.7)) return [r.chance(0.5) ? ['Proxy-Authorization', basic(GOOD_PAIR)] : ['x-wxgate-caller', GOOD_PAIR]];
  return r.pick([
    () => [],
    () => [['x-wxgate-caller', `${CALLER.name}:${CALLER.secret.slice(0, -1)}`]],
    () => [['x-wxgate-caller', `nobody:${CALLER.secret}`]],
    () => [['x-wxgate-caller', CALLER.name]],
    () => [['x-wxgate-caller', `:${CALLER.secret}`]],
    () => [['x-wxgate-caller', GOOD_PAIR], ['x-wxgate-caller', GOOD_PAIR]],
    () => [['x-wxgate-caller', `${GOOD_PAIR}\u00e9`]],
    () => [['Proxy-Authorization', `Bearer ${GOOD_PAIR}`]],
    () => [['Proxy-Authorization', 'Basic']],
    () => [['Proxy-Authorization', 'Basic !!!not-base64']],
    () => [['Proxy-Authorization', basic(`${CALLER.name}:wrong`)]],
    () => [['Proxy-Authorization', basic('x'.repeat(8_000) + ':' + 'y'.repeat(4_000))]],
    () => [['Proxy-Authorization', basic(GOOD_PAIR)], ['Proxy-Authorization', basic('nobody:x')]],
    () => [['Proxy-Authorization', basic(`nobody:x`)], ['x-wxgate-caller', GOOD_PAIR]],
  ])();
}

function head(method, target, version, headers) {
  return `${method} ${target} ${version}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/** One well-formed request (the building block of pipelines and of most mutations). */
function plainRequest(r, close) {
  const method = r.chance(0.85) ? r.pick(['GET', 'POST']) : r.pick(METHODS);
  const body = method === 'POST' && r.chance(0.7) ? '{"content":"' + 'x'.repeat(r.int(64)) + '"}' : '';
  const headers = [['Host', r.chance(0.8) ? 'api.weixin.qq.com' : r.pick(HOSTS)], ...callerHeaders(r)];
  if (body) headers.push(['Content-Length', String(Buffer.byteLength(body))]);
  if (r.chance(0.1)) headers.push(['Expect', r.pick(['100-continue', 'nothing', '100-Continue', ''])]);
  if (r.chance(0.1)) headers.push(['Connection', r.pick(['keep-alive', 'close, x-secret', 'upgrade'])]);
  if (close) headers.push(['Connection', 'close']);
  return head(method, randomTarget(r), r.chance(0.95) ? 'HTTP/1.1' : r.pick(VERSIONS), headers) + body;
}

const SMUGGLING = [
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /cgi-bin/token HTTP/1.1\r\nHost: a\r\n\r\n',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\n{}',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  chunked\r\nTransfer-Encoding: x\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n{}\r\n0\r\n\r\n',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=' + 'e'.repeat(20_000) + '\r\n{}\r\n0\r\n\r\n',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nContent-Length: +2\r\n\r\n{}',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n',
  'POST /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nContent-Length: 999999\r\n\r\n{}',
  'GET /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\n Folded: header\r\n\r\n',
  'GET /wxa/msg_sec_check HTTP/1.1\nHost: a\n\n',
  'GET /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n',
  'GET /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nX: \x00\r\n\r\n',
  'GET /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
  'GET /wxa/msg_sec_check HTTP/1.1\r\n\r\n',
  'GET /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n',
  '\r\n\r\nGET /wxa/msg_sec_check HTTP/1.1\r\nHost: a\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03',
];

/**
 * One relay case: `chunks` written in order (with `gapMs` between them), then either a wait for
 * the answers or a reset after `resetAfter` chunks. `tunnel`: a CONNECT answered 200 first.
 */
export function relayCase(r) {
  const kind = r.int(100);
  let text;
  let label;
  if (kind < 30) {
    label = 'target';
    text = plainRequest(r, true);
  } else if (kind < 42) {
    label = 'pipeline';
    const n = 2 + r.int(3);
    text = Array.from({ length: n }, (_, i) => (i === n - 1 || !r.chance(0.3) ? plainRequest(r, i === n - 1) : r.pick(SMUGGLING))).join('');
  } else if (kind < 55) {
    label = 'smuggling';
    text = r.pick(SMUGGLING) + (r.chance(0.5) ? plainRequest(r, true) : '');
  } else if (kind < 65) {
    label = 'connect';
    const authority = r.chance(0.3) ? 'api.weixin.qq.com:443' : r.pick(HOSTS) + (r.chance(0.7) ? r.pick([':443', ':80', ':22', '']) : '');
    text = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${callerHeaders(r).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n` + (r.chance(0.5) ? r.pick(['garbage\r\n', '\x16\x03\x01\x00\x05hello', plainRequest(r, true)]) : '');
  } else if (kind < 73) {
    label = 'oversized';
    const big = r.chance(0.5);
    const headers = big ? [['Host', 'a'], ['X-Big', 'b'.repeat(15_000 + r.int(6_000))]] : [['Host', 'a'], ...Array.from({ length: 90 + r.int(30) }, (_, i) => [`X-H${i}`, 'v'])];
    text = head('GET', r.chance(0.5) ? '/wxa/msg_sec_check' : '/' + 'p'.repeat(8_000 + r.int(8_000)), 'HTTP/1.1', [...headers, ['Connection', 'close']]);
  } else if (kind < 88) {
    label = 'bytes';
    // Random bytes spliced into a request.
    const base = Buffer.from(plainRequest(r, true), 'latin1');
    const at = r.int(base.length);
    const noise = Buffer.from(Array.from({ length: 1 + r.int(8) }, () => r.int(256)));
    return { label, chunks: [Buffer.concat([base.subarray(0, at), noise, base.subarray(at)])], gapMs: 0, resetAfter: undefined };
  } else {
    label = 'unique-path';
    // Cache pressure: long unique paths that pass step 3 and reach the policy check.
    text = head('GET', `/wxa/${'q'.repeat(4_000 + r.int(8_000))}${r.int(1e9)}`, 'HTTP/1.1', [
      ['Host', 'a'],
      ['Connection', 'close'],
    ]);
  }
  const bytes = Buffer.from(text, 'latin1');
  const pieces = r.chance(0.25) ? 2 + r.int(4) : 1;
  const cuts = [...new Set(Array.from({ length: pieces - 1 }, () => 1 + r.int(Math.max(1, bytes.length - 1))))].sort((a, b) => a - b);
  const chunks = [];
  let last = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > last) chunks.push(bytes.subarray(last, cut));
    last = cut;
  }
  return {
    label,
    chunks,
    // Slow writers: a few milliseconds between pieces (the head deadline is tested in e2e).
    gapMs: pieces > 1 && r.chance(0.3) ? 1 + r.int(20) : 0,
    // Resets at every stage: before, inside or right after the request.
    resetAfter: r.chance(0.15) ? r.int(chunks.length + 1) : undefined,
  };
}

// --- callback cases ------------------------------------------------------------------------

function encrypt(message) {
  const key = Buffer.from(`${COMPONENT.aesKey}=`, 'base64');
  const msg = Buffer.from(message);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length);
  const plain = Buffer.concat([randomBytes(16), length, msg, Buffer.from(COMPONENT.appid)]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

const sign = (timestamp, nonce, encrypted) => createHash('sha1').update([COMPONENT.token, timestamp, nonce, encrypted].sort().join('')).digest('hex');

/**
 * One callback case: a signed, encrypted push carrying a ticket unique to the case, then mutated
 * (or not). `ticket` lets the oracle tell whether this very push was published.
 */
export function callbackCase(r, id) {
  const ticket = `fuzz-ticket-${id}-${r.int(1e9)}`;
  const now = Math.floor(Date.now() / 1000);
  let inner = `<xml><AppId><![CDATA[${COMPONENT.appid}]]></AppId><CreateTime>${now}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[${ticket}]]></ComponentVerifyTicket></xml>`;
  const mutateInner = r.chance(0.15);
  if (mutateInner) inner = r.pick([inner.replace('<InfoType>', '<InfoType>\x00'), inner.replace('</xml>', ''), inner.replace(COMPONENT.appid, 'wx0000000000000000'), `<!DOCTYPE x>${inner}`, inner.replace('component_verify_ticket', 'a.b'), '']);
  const encrypted = encrypt(inner);
  let timestamp = String(now);
  const nonce = String(r.int(1e12));
  let signature = sign(timestamp, nonce, encrypted);
  let envelope = Buffer.from(`<xml><AppId><![CDATA[${COMPONENT.appid}]]></AppId><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`);
  let path = '/wechat/callback';
  let method = 'POST';
  let mutation = mutateInner ? 'inner' : 'none';
  if (r.chance(0.75)) {
    const m = r.int(16);
    mutation = `envelope-${m}`;
    switch (m) {
      case 0:
        envelope[r.int(envelope.length)] ^= 1 << r.int(8);
        break;
      case 1:
        envelope = envelope.subarray(0, r.int(envelope.length));
        break;
      case 2: {
        const at = envelope.indexOf('<Encrypt>');
        envelope = Buffer.concat([envelope.subarray(0, at), Buffer.from([0]), envelope.subarray(at)]);
        break;
      }
      case 3:
        envelope = Buffer.concat([envelope.subarray(0, envelope.length - 6), Buffer.from('<X>'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('</X></xml>')]);
        break;
      case 4:
        envelope = Buffer.from(envelope.toString().replace('</xml>', `<Encrypt>${encrypted}</Encrypt></xml>`));
        break;
      case 5:
        envelope = Buffer.from(`<!DOCTYPE xml [<!ENTITY a "b">]>${envelope}`);
        break;
      case 6: {
        // Sizes 0-70 KiB: padding in an element the receiver ignores.
        const size = r.int(70 * 1024);
        envelope = Buffer.from(envelope.toString().replace('</xml>', `<Pad>${'p'.repeat(size)}</Pad></xml>`));
        break;
      }
      case 7:
        envelope = Buffer.alloc(r.int(70 * 1024), r.pick([0x00, 0xff, 0x41, 0xe4]));
        break;
      case 8:
        signature = signature.slice(0, r.int(40)) + (r.chance(0.5) ? 'x' : '');
        break;
      case 9:
        timestamp = r.pick([String(now - 601), String(now + 601), 'soon', '', '1e3', String(now) + '0']);
        break;
      case 10:
        path = r.pick([`http://x:99999${path}`, `http://[zz]${path}`, `http://x:-1${path}`, `http://x:abc${path}`, `${path}/`, `${path}%00`, '/wechat/Callback', `${path}#frag`, `https://a${path}`]);
        break;
      case 11:
        method = r.pick(['GET', 'PUT', 'post', 'FOO']);
        break;
      case 12:
        envelope = Buffer.from(envelope.toString().replace('<xml>', '<xml><AppId>wx1111111111111111</AppId>').replace(/<AppId><!\[CDATA\[[^\]]+\]\]><\/AppId>/, ''));
        break;
      case 13:
        envelope = Buffer.from(envelope.toString().replace('<Encrypt>', '<Encrypt>\u0001'));
        break;
      case 14:
        envelope = Buffer.from(envelope.toString().replace('</Encrypt>', '</Encrypt><Nested><A>1</A></Nested>').replace('<xml>', '<?xml version="1.0" encoding="ISO-8859-1"?><xml>'));
        break;
      default:
        envelope = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), envelope]);
    }
  }
  const query = new URLSearchParams({ timestamp, nonce, encrypt_type: 'aes', msg_signature: signature });
  if (r.chance(0.05)) query.append('msg_signature', signature);
  const framing = r.int(10);
  const headers = [`Host: callback`, 'Content-Type: text/xml', 'Connection: close'];
  let body = envelope;
  if (framing === 0) {
    headers.push('Transfer-Encoding: chunked');
    body = Buffer.concat([Buffer.from(`${envelope.length.toString(16)}\r\n`), envelope, Buffer.from('\r\n0\r\n\r\n')]);
  } else if (framing === 1) {
    headers.push(`Content-Length: ${envelope.length + 1 + r.int(10)}`);
  } else {
    headers.push(`Content-Length: ${envelope.length}`);
  }
  const bytes = Buffer.concat([Buffer.from(`${method} ${path}?${query} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
  return { label: mutation, ticket, chunks: [bytes], gapMs: 0, resetAfter: r.chance(0.05) ? r.int(2) : undefined, shortBody: framing === 1 };
}

// --- running cases -------------------------------------------------------------------------

/** Every HTTP answer in `bytes` (content-length framed, as all of wxgate's are). */
export function parseAnswers(bytes) {
  const answers = [];
  let rest = bytes;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) break;
    const lines = rest.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1]);
    if (!status) return { answers, garbage: rest.subarray(0, 200).toString('latin1') };
    const headers = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    // The tunnel's 200 has no body; everything after it is TLS or the caller's own bytes.
    if (status === 200 && /^HTTP\/1\.1 200 Connection Established/.test(lines[0])) {
      answers.push({ status, headers, body: Buffer.alloc(0), tunnel: true });
      return { answers, garbage: undefined };
    }
    let length = headers['content-length'] === undefined ? 0 : Number(headers['content-length']);
    // 1xx interim answers have no body; nor has the answer to a HEAD (its length is announced).
    if (status < 200 || rest.subarray(end + 4, end + 9).toString('latin1') === 'HTTP/') length = 0;
    const body = rest.subarray(end + 4, end + 4 + length);
    answers.push({ status, headers, body });
    rest = rest.subarray(end + 4 + length);
  }
  return { answers, garbage: rest.length > 0 && !rest.subarray(0, 5).equals(Buffer.from('HTTP/')) ? rest.subarray(0, 200).toString('latin1') : undefined };
}

/** Writes a case to a fresh connection and resolves with what came back (or nothing after a reset). */
export function runCase(port, kase, deadlineMs = 1_500) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received = [];
    let done = false;
    const finish = (how) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ how, bytes: Buffer.concat(received) });
    };
    const timer = setTimeout(() => finish('deadline'), deadlineMs);
    socket.on('data', (c) => received.push(c));
    socket.on('error', () => finish('error'));
    socket.on('close', () => finish('closed'));
    socket.on('connect', async () => {
      for (let i = 0; i < kase.chunks.length; i++) {
        if (kase.resetAfter === i) {
          socket.resetAndDestroy();
          return finish('reset');
        }
        if (socket.destroyed) return;
        socket.write(kase.chunks[i]);
        if (kase.gapMs) await new Promise((r) => setTimeout(r, kase.gapMs));
      }
      if (kase.resetAfter === kase.chunks.length) {
        await new Promise((r) => setImmediate(r));
        socket.resetAndDestroy();
        return finish('reset');
      }
      // A body shorter than its content-length: the sender gives up and half-closes.
      if (kase.shortBody) socket.end();
    });
  });
}

async function pool(count, concurrency, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

function record(report, kind, detail) {
  report.violations.push({ kind, ...detail });
}

/** Relay campaign: `cases` seeded cases; oracles on every answer and on every upstream call. */
export async function fuzzRelay(targets, { seed = 1, cases = 10_000, concurrency = 12 } = {}) {
  const r = rng(seed);
  const report = { campaign: 'relay', seed, cases, statuses: {}, outcomes: {}, violations: [], upstreamCalls: 0 };
  const upstreamBefore = targets.upstream.calls.length;
  const list = Array.from({ length: cases }, () => relayCase(r));
  await pool(cases, concurrency, async (i) => {
    const kase = list[i];
    const { how, bytes } = await runCase(targets.forwarder.ports.http, kase);
    report.outcomes[how] = (report.outcomes[how] ?? 0) + 1;
    const { answers, garbage } = parseAnswers(bytes);
    if (garbage !== undefined && how !== 'reset') record(report, 'not HTTP', { case: i, label: kase.label, garbage });
    for (const a of answers) {
      // Node's own `100 Continue` is an interim answer, not wxgate's response.
      if (a.status === 100) continue;
      report.statuses[a.status] = (report.statuses[a.status] ?? 0) + 1;
      if (!RELAY_STATUSES.has(a.status)) record(report, 'status outside the contract', { case: i, label: kase.label, status: a.status, body: a.body.toString().slice(0, 200) });
      if (!SEQID.test(a.headers['x-openapi-seqid'] ?? '')) record(report, 'no x-openapi-seqid', { case: i, label: kase.label, status: a.status });
    }
    if (report.violations.length > 50) report.violations.length = 50;
  });
  const calls = targets.upstream.calls.slice(upstreamBefore);
  report.upstreamCalls = calls.length;
  for (const call of calls) {
    const q = call.url.indexOf('?');
    const path = q === -1 ? call.url : call.url.slice(0, q);
    const query = q === -1 ? '' : call.url.slice(q + 1);
    const injected = query.includes(INJECTED_TOKEN);
    if (RESERVED.includes(path)) record(report, 'reserved path reached WeChat', { url: call.url.slice(0, 300) });
    if (injected && !ALLOWLIST.includes(path)) record(report, 'token injected outside the allowlist', { url: call.url.slice(0, 300) });
    // The path rules of the relay: `/` alone, or segments of A-Z a-z 0-9 - _ . ~, none `.` or `..`.
    if ((path !== '/' && !/^(\/[A-Za-z0-9\-_.~]+)+$/.test(path)) || /\/\.\.?(\/|$)/.test(path)) record(report, 'bad path reached WeChat', { url: call.url.slice(0, 300) });
    if (query.includes('#')) record(report, 'fragment reached WeChat', { url: call.url.slice(0, 300) });
    if (call.callerHeaders.length > 0) record(report, 'caller credential header reached WeChat', { url: call.url.slice(0, 300), headers: call.callerHeaders });
    if (injected && query.split('&').filter((p) => p.startsWith('access_token=')).length !== 1) record(report, 'token parameter repeated', { url: call.url.slice(0, 300) });
  }
  return report;
}

/** Callback campaign: mutated signed pushes; nothing of a rejected one may be published. */
export async function fuzzCallback(targets, { seed = 1, cases = 10_000, concurrency = 12 } = {}) {
  const r = rng(seed);
  const report = { campaign: 'callback', seed, cases, statuses: {}, mutations: {}, violations: [], published: 0 };
  const rejected = [];
  const accepted = [];
  const list = Array.from({ length: cases }, (_, i) => callbackCase(r, `${seed}-${i}`));
  await pool(cases, concurrency, async (i) => {
    const kase = list[i];
    const { how, bytes } = await runCase(targets.refresher.ports.callback, kase);
    const { answers, garbage } = parseAnswers(bytes);
    if (garbage !== undefined && how !== 'reset') record(report, 'not HTTP', { case: i, label: kase.label, garbage });
    const answer = answers[0];
    const key = `${kase.label}:${answer?.status ?? how}`;
    report.mutations[key] = (report.mutations[key] ?? 0) + 1;
    if (!answer) {
      // No answer (reset, deadline on a busy machine): the push may still have been accepted.
      // Only one reset before a byte was sent is certainly refused.
      if (kase.resetAfter === 0) rejected.push({ ticket: kase.ticket, label: kase.label, how });
      return;
    }
    report.statuses[answer.status] = (report.statuses[answer.status] ?? 0) + 1;
    if (!CALLBACK_STATUSES.has(answer.status)) record(report, 'status outside the contract', { case: i, label: kase.label, status: answer.status, body: answer.body.toString().slice(0, 200) });
    if (answer.status === 200 && answer.body.toString() !== 'success') record(report, '200 without success', { case: i, label: kase.label });
    if (answer.status === 200) accepted.push(kase.ticket);
    else rejected.push({ ticket: kase.ticket, label: kase.label, status: answer.status });
    if (report.violations.length > 50) report.violations.length = 50;
  });
  // Publishing is acknowledged before the answer; a short settle for the core subscription.
  await new Promise((res) => setTimeout(res, 500));
  for (const refusal of rejected) if (targets.published.has(refusal.ticket)) record(report, 'rejected push published', refusal);
  report.published = accepted.filter((t) => targets.published.has(t)).length;
  report.accepted = accepted.length;
  return report;
}

/** After a campaign: every process alive, caller sockets gone, RSS back near its baseline. */
export async function afterCampaign(targets, baseline, { rssSlackBytes = 64 * 1024 * 1024, timeoutMs = 10_000 } = {}) {
  const violations = [];
  for (const proc of [targets.forwarder, targets.refresher]) if (proc.child.exitCode !== null || proc.child.signalCode !== null) violations.push({ kind: 'process exited', name: proc.name, output: proc.output().slice(-2000) });
  if (violations.length) return { violations };
  const sockets = () => [
    ...connectionsOn(targets.forwarder.child.pid, [targets.forwarder.ports.http, targets.forwarder.ports.https]),
    ...connectionsOn(targets.refresher.child.pid, [targets.refresher.ports.callback]),
  ].filter((s) => s.state !== 'TIME_WAIT');
  const deadline = Date.now() + timeoutMs;
  while (sockets().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const left = sockets();
  if (left.length) violations.push({ kind: 'sockets left open', sockets: left.slice(0, 20), count: left.length });
  const rss = { forwarder: rssBytes(targets.forwarder.child.pid), refresher: rssBytes(targets.refresher.child.pid) };
  for (const name of ['forwarder', 'refresher']) {
    if (rss[name] > baseline[name] + rssSlackBytes) violations.push({ kind: 'RSS not back near baseline', name, baseline: baseline[name], now: rss[name] });
  }
  return { violations, rss };
}

export function baselineOf(targets) {
  return { forwarder: rssBytes(targets.forwarder.child.pid), refresher: rssBytes(targets.refresher.child.pid) };
}
