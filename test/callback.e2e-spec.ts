/**
 * The WeChat callback receiver (docs/http-behaviour.md) booted in-process with the real NatsModule against a
 * private nats-server, over real HTTP sockets: what is accepted lands on WXGATE_EVENTS, what is
 * refused leaves the stream untouched, and the sandbox's own pushes (its WXBizMsgCrypt) pass.
 */
import { request as httpRequest } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM } from '@wxgate/contracts';
import { NatsModule } from '@wxgate/nats';
import { Metrics, PlatformModule } from '@wxgate/platform';
import { aesKeyFrom, buildWechatXml, encryptMessage, msgSignature } from '@wxgate/wechat';
import { createSandbox, type Sandbox } from '../apps/wechat-sandbox/src/sandbox.js';
import { CALLBACK_KEYS, type CallbackKeys, type CallbackKeyStore } from '../apps/token-refresher/src/callback/callback-keys.js';
import { CallbackModule } from '../apps/token-refresher/src/callback/callback.module.js';
import { CallbackServer } from '../apps/token-refresher/src/callback/callback.server.js';
import { natsClient, startNatsServer, waitFor, type NatsServerHandle } from './support/harness.js';

const COMPONENT = 'wxc0c0c0c0c0c0c0c0';
const ROTATED = 'wxd0d0d0d0d0d0d0d0';
const SANDBOX_COMPONENT = 'wxe0e0e0e0e0e0e0e0';
const TOKEN = 'e2e-callback-token';
const KEY = 'k'.repeat(43);
const OLD_KEY = 'Q'.repeat(43);
const SANDBOX_KEY = 's1s2s3s4s5s6s7s8s9s0s1s2s3s4s5s6s7s8s9s0abc';
const TICKET = 'ticket@@@secret-ticket-value';

/** An in-memory stand-in for the refresher's credential store (the receiver's own adapter seam). */
class MemoryKeyStore implements CallbackKeyStore {
  readonly keys = new Map<string, CallbackKeys>();
  async keysFor(appid: string): Promise<CallbackKeys | undefined> {
    return this.keys.get(appid);
  }
}

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown, ...rest: unknown[]) {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  error = this.log;
  warn = this.log;
  debug = this.log;
  verbose = this.log;
  fatal = this.log;
}

interface Reply {
  status: number;
  text: string;
}

/** A raw node:http POST, so an early answer (413 while the body is still being sent) is still read. */
function post(port: number, path: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { 'content-type': 'text/xml', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function ticketMessage(appid: string, ticket = TICKET): string {
  return buildWechatXml({ AppId: appid, CreateTime: Math.floor(Date.now() / 1000), InfoType: 'component_verify_ticket', ComponentVerifyTicket: ticket });
}

let nonceSeq = 1000;
/** A push the way WeChat sends one; everything overridable to make it wrong in one way. */
function push(o: { appid?: string; key?: string; token?: string; message?: string; trailingAppid?: string; timestamp?: number; nonce?: string } = {}) {
  const appid = o.appid ?? COMPONENT;
  const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? String(nonceSeq++);
  const encrypt = encryptMessage(aesKeyFrom(o.key ?? KEY), o.trailingAppid ?? appid, o.message ?? ticketMessage(appid));
  const signature = msgSignature(o.token ?? TOKEN, timestamp, nonce, encrypt);
  const query = new URLSearchParams({ signature: 'url-signature-not-checked', timestamp, nonce, encrypt_type: 'aes', msg_signature: signature });
  return { path: `/wechat/callback?${query}`, body: buildWechatXml({ AppId: appid, Encrypt: encrypt }), query, encrypt, signature };
}

async function bootReceiver(natsUrl: string, store: CallbackKeyStore, logger: LoggerService) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      PlatformModule.forRoot('token-refresher', {}),
      NatsModule.forRoot({ NATS_URL: [natsUrl] }, 'token-refresher'),
      CallbackModule.forRoot({ port: 0, host: '127.0.0.1', keyStore: { provide: CALLBACK_KEYS, useValue: store } }),
    ],
  })
    .setLogger(logger)
    .compile();
  await moduleRef.init();
  return { moduleRef, port: moduleRef.get(CallbackServer).port };
}

describe('WeChat callback receiver (docs/http-behaviour.md) over HTTP with a real JetStream', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let app: TestingModule;
  let port: number;
  let sandbox: Sandbox;
  const store = new MemoryKeyStore();
  const logger = new CapturingLogger();

  const streamCount = async () => (await jsm.streams.info(EVENTS_STREAM)).state.messages;
  const lastOn = async (subject: string) => (await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: subject }))!;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await natsClient(nats.url);
    jsm = await jetstreamManager(nc);
    store.keys.set(COMPONENT, { token: TOKEN, encodingAesKeys: [KEY] });
    store.keys.set(ROTATED, { token: TOKEN, encodingAesKeys: [KEY, OLD_KEY] });
    store.keys.set(SANDBOX_COMPONENT, { token: 'sandbox-token', encodingAesKeys: [SANDBOX_KEY] });
    ({ moduleRef: app, port } = await bootReceiver(nats.url, store, logger));
    sandbox = await createSandbox();
  });

  afterAll(async () => {
    await sandbox?.close();
    await app?.close();
    await nc?.close();
    await nats?.stop();
  });

  it('publishes a valid push to WXGATE_EVENTS under its subject, WeChat field names kept, CreateTime a number, and answers success', async () => {
    const before = await streamCount();
    const p = push();
    const reply = await post(port, p.path, p.body);
    expect(reply).toEqual({ status: 200, text: 'success' });
    expect(await streamCount()).toBe(before + 1);
    const msg = await lastOn(`wxgate.events.wechat.${COMPONENT}.component_verify_ticket`);
    const event = msg.json<Record<string, unknown>>();
    expect(event).toEqual({ AppId: COMPONENT, CreateTime: expect.any(Number), InfoType: 'component_verify_ticket', ComponentVerifyTicket: TICKET });
    expect(Math.abs((event.CreateTime as number) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('answers the reply as text/plain exactly "success"', async () => {
    const p = push();
    const res = await fetch(`http://127.0.0.1:${port}${p.path}`, { method: 'POST', body: p.body, headers: { 'content-type': 'text/xml' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('success');
  });

  describe('refuses bad input with its status and publishes nothing', () => {
    const huge = 'x'.repeat(64 * 1024 + 1 - '<xml></xml>'.length);
    const cases: [string, () => { path: string; body: string; headers?: Record<string, string>; method?: string }, number][] = [
      ['a missing msg_signature', () => ({ ...push(), path: push().path.replace(/&msg_signature=[^&]+/, '') }), 401],
      ['a wrong msg_signature', () => ({ ...push(), path: push().path.replace(/msg_signature=[^&]+/, `msg_signature=${'0'.repeat(40)}`) }), 401],
      ['a signature made with another token', () => push({ token: 'other-token' }), 401],
      ['a timestamp 11 minutes old', () => push({ timestamp: Math.floor(Date.now() / 1000) - 660 }), 401],
      ['a timestamp 11 minutes ahead', () => push({ timestamp: Math.floor(Date.now() / 1000) + 660 }), 401],
      ['a non-numeric timestamp', () => ({ ...push(), path: push().path.replace(/timestamp=\d+/, 'timestamp=soon') }), 401],
      ['a missing timestamp', () => ({ ...push(), path: push().path.replace(/timestamp=\d+&/, '') }), 401],
      ['an unknown AppId', () => push({ appid: 'wx0123456789abcdef' }), 400],
      ['malformed XML', () => ({ path: push().path, body: `<xml><AppId>${COMPONENT}</AppId><Encrypt>abc` }), 400],
      ['a DOCTYPE', () => ({ path: push().path, body: `<!DOCTYPE xml SYSTEM "file:///etc/passwd">${push().body}` }), 400],
      [
        'an ENTITY declaration (billion laughs)',
        () => ({ path: push().path, body: `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><AppId>&b;</AppId></xml>` }),
        400,
      ],
      ['a wrong trailing appid', () => push({ trailingAppid: 'wx0000000000000001' }), 400],
      ['a key that is not the component’s', () => push({ key: 'Z'.repeat(43) }), 400],
      ['a decrypted message without InfoType', () => push({ message: buildWechatXml({ AppId: COMPONENT, CreateTime: 1 }) }), 400],
      ['a body of 64 KiB + 1 byte', () => ({ path: push().path, body: `<xml>${huge}</xml>` }), 413],
      ['a chunked body over 64 KiB (no content-length)', () => ({ path: push().path, body: `<xml>${huge}</xml>`, headers: { 'transfer-encoding': 'chunked' } }), 413],
      ['another path', () => ({ ...push(), path: push().path.replace('/wechat/callback', '/wechat/other') }), 404],
      ['a GET', () => ({ ...push(), body: '', method: 'GET' }), 405],
    ];

    it.each(cases)('%s', async (_name, make, status) => {
      const before = await streamCount();
      const r = make();
      const reply = await post(port, r.path, r.body, r.headers, r.method);
      expect(reply.status).toBe(status);
      expect(reply.text).not.toBe('success');
      expect(await streamCount()).toBe(before);
    });
  });

  it('answers 413 from the content-length alone, without waiting for the body', async () => {
    const p = push();
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: p.path, method: 'POST', headers: { 'content-length': String(10 * 1024 * 1024) } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: '' }));
      });
      req.on('error', reject);
      req.write('<xml>');
    });
    expect(reply.status).toBe(413);
  });

  it('answers absolute-form targets new URL() rejects like any other target, never 500', async () => {
    for (const authority of ['x:99999', '[zz]', 'x:-1', 'x:abc']) {
      const p = push();
      const reply = await post(port, `http://${authority}${p.path}`, p.body);
      expect([authority, reply]).toEqual([authority, { status: 200, text: 'success' }]);
      const other = await post(port, `http://${authority}/elsewhere`, p.body);
      expect([authority, other.status]).toEqual([authority, 404]);
    }
  });

  it('refuses bodies under 64 KiB that are not UTF-8 with 400, not 413 (the limit counts bytes)', async () => {
    const before = await streamCount();
    const invalid = Buffer.concat([Buffer.from('<xml><AppId>'), Buffer.alloc(30_000, 0xff), Buffer.from('</AppId></xml>')]);
    expect((await post(port, push().path, invalid)).status).toBe(400);
    const exactly = Buffer.concat([Buffer.from('<xml><A>'), Buffer.alloc(64 * 1024 - 17, 0xe4), Buffer.from('</A></xml>')]);
    expect(exactly.length).toBe(64 * 1024 + 1);
    expect((await post(port, push().path, exactly)).status).toBe(413);
    expect(await streamCount()).toBe(before);
  });

  it('refuses a validly signed envelope with a NUL between elements or invalid UTF-8 in another element', async () => {
    const before = await streamCount();
    const p = push();
    const [head, tail] = [p.body.slice(0, p.body.indexOf('<Encrypt>')), p.body.slice(p.body.indexOf('<Encrypt>'))];
    expect((await post(port, p.path, `${head}\u0000${tail}`)).status).toBe(400);
    const q = push();
    const withBadByte = Buffer.concat([Buffer.from(q.body.replace('</xml>', '<Extra>')), Buffer.from([0xc3, 0x28]), Buffer.from('</Extra></xml>')]);
    expect((await post(port, q.path, withBadByte)).status).toBe(400);
    expect(await streamCount()).toBe(before);
  });

  it('shrugs off a sender that hangs up mid-body and keeps serving', async () => {
    const p = push();
    const before = await streamCount();
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: p.path, method: 'POST', headers: { 'content-length': '1000' } });
      req.on('error', () => resolve());
      req.write(p.body.slice(0, 10), () => setImmediate(() => req.destroy()));
      req.on('close', () => resolve());
    });
    await waitFor(async () => /outcome="client_gone"\} [1-9]/.test(await app.get(Metrics).registry.metrics()), { what: 'client_gone counted' });
    expect(await post(port, p.path, p.body)).toEqual({ status: 200, text: 'success' });
    expect(await streamCount()).toBe(before + 1);
  });

  it('answers success to a re-sent push and keeps one message in the stream', async () => {
    const p = push();
    const before = await streamCount();
    expect(await post(port, p.path, p.body)).toEqual({ status: 200, text: 'success' });
    expect(await post(port, p.path, p.body)).toEqual({ status: 200, text: 'success' });
    expect(await post(port, p.path, p.body)).toEqual({ status: 200, text: 'success' });
    expect(await streamCount()).toBe(before + 1);
  });

  it('deduplicates a re-send that reaches another replica through the JetStream message id', async () => {
    const other = await bootReceiver(nats.url, store, new CapturingLogger());
    try {
      const p = push();
      const before = await streamCount();
      expect(await post(port, p.path, p.body)).toEqual({ status: 200, text: 'success' });
      expect(await post(other.port, p.path, p.body)).toEqual({ status: 200, text: 'success' });
      expect(await streamCount()).toBe(before + 1);
    } finally {
      await other.moduleRef.close();
    }
  });

  it('accepts pushes encrypted with the previous EncodingAESKey after a rotation, and with the current one', async () => {
    const before = await streamCount();
    for (const key of [OLD_KEY, KEY]) {
      const p = push({ appid: ROTATED, key });
      expect(await post(port, p.path, p.body)).toEqual({ status: 200, text: 'success' });
    }
    expect(await streamCount()).toBe(before + 2);
  });

  it('accepts and publishes the sandbox’s own ticket and authorization pushes (its WXBizMsgCrypt)', async () => {
    const admin = (path: string, body: unknown) =>
      fetch(`${sandbox.url}/__sandbox/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }).then(async (r) => {
        expect(r.status).toBe(200);
        return r.json() as Promise<Record<string, unknown>>;
      });
    await admin('components', {
      appid: SANDBOX_COMPONENT,
      secret: 'sandbox-secret',
      token: 'sandbox-token',
      encodingAesKey: SANDBOX_KEY,
      callbackUrl: `http://127.0.0.1:${port}/wechat/callback`,
      ticketIntervalS: 3600,
    });
    const pushed = await admin('tickets/push', { componentAppid: SANDBOX_COMPONENT });
    expect(pushed).toMatchObject({ pushed: true, acknowledged: true, attempts: 1 });
    const ticketSubject = `wxgate.events.wechat.${SANDBOX_COMPONENT}.component_verify_ticket`;
    const ticketEvent = await waitFor(async () => {
      const event = (await lastOn(ticketSubject)).json<Record<string, unknown>>();
      return event.ComponentVerifyTicket === pushed.ticket ? event : undefined;
    }, { what: 'the pushed ticket on the stream' });
    expect(ticketEvent).toMatchObject({ AppId: SANDBOX_COMPONENT, InfoType: 'component_verify_ticket', CreateTime: expect.any(Number) });

    await admin('authorizations/authorize', { componentAppid: SANDBOX_COMPONENT, authorizerAppid: 'wxf0f0f0f0f0f0f0f0', notify: true });
    const authorized = await waitFor(async () => (await lastOn(`wxgate.events.wechat.${SANDBOX_COMPONENT}.authorized`).catch(() => undefined))?.json<Record<string, unknown>>(), {
      what: 'the authorized event on the stream',
    });
    expect(authorized).toMatchObject({ AppId: SANDBOX_COMPONENT, InfoType: 'authorized', AuthorizerAppid: 'wxf0f0f0f0f0f0f0f0', AuthorizationCode: expect.any(String), CreateTime: expect.any(Number) });
  });

  it('counts requests by outcome in wxgate_callback_requests_total', async () => {
    const text = await app.get(Metrics).registry.metrics();
    expect(text).toMatch(/^wxgate_callback_requests_total\{outcome="published"\} [1-9]/m);
    expect(text).toMatch(/^wxgate_callback_requests_total\{outcome="duplicate"\} [1-9]/m);
    expect(text).toMatch(/^wxgate_callback_requests_total\{outcome="bad_signature"\} [1-9]/m);
    expect(text).toMatch(/^wxgate_callback_requests_total\{outcome="body_too_large"\} [1-9]/m);
  });

  it('logs reasons, AppId and InfoType but never the ticket, token, keys or body', async () => {
    const all = logger.lines.join('\n');
    expect(all).toMatch(/rejected: bad_signature AppId=wxc0c0c0c0c0c0c0c0/);
    expect(all).toMatch(/published AppId=wxc0c0c0c0c0c0c0c0 InfoType=component_verify_ticket/);
    for (const secret of [TICKET, TOKEN, KEY, OLD_KEY, SANDBOX_KEY, 'sandbox-token', '<Encrypt>', 'ticket@@@']) {
      expect(all).not.toContain(secret);
    }
  });

  it('finishes an in-flight push before it stops listening on shutdown', async () => {
    let arrived = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: CallbackKeyStore = {
      keysFor: async (appid) => {
        arrived = true;
        await gate;
        return store.keysFor(appid);
      },
    };
    const receiver = await bootReceiver(nats.url, slow, new CapturingLogger());
    const p = push();
    const before = await streamCount();
    const inFlight = post(receiver.port, p.path, p.body);
    await waitFor(() => arrived, { what: 'the push to reach the receiver' });
    const started = Date.now();
    const closing = receiver.moduleRef.close();
    release();
    await closing;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await inFlight).toEqual({ status: 200, text: 'success' });
    expect(await streamCount()).toBe(before + 1);
    await expect(post(receiver.port, p.path, p.body)).rejects.toThrow();
  });
});
