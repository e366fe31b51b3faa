import { createCipheriv } from 'node:crypto';
import { aesKeyFrom, buildWechatXml, encryptMessage, msgSignature } from '@wxgate/wechat';
import type { CallbackKeys, CallbackKeyStore } from './callback-keys.js';
import { CALLBACK_WINDOW_MS, callbackMsgId, MAX_CALLBACK_BODY_BYTES, ReceiveCallback, type CallbackResult } from './receive-callback.usecase.js';
import { SeenPushes } from './seen-pushes.js';

const COMPONENT = 'wx1111111111111111';
const TOKEN = 'callback-token';
const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const OLD_KEY = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';
const NOW_S = 1_732_000_000;

class FakeKeyStore implements CallbackKeyStore {
  readonly keys = new Map<string, CallbackKeys>([[COMPONENT, { token: TOKEN, encodingAesKeys: [KEY] }]]);
  failing = false;
  async keysFor(appid: string): Promise<CallbackKeys | undefined> {
    if (this.failing) throw new Error('database is down');
    return this.keys.get(appid);
  }
}

class FakeSink {
  readonly published: { subject: string; body: unknown; msgId: string }[] = [];
  failing = false;
  async publish(subject: string, body: unknown, msgId: string): Promise<void> {
    if (this.failing) throw new Error('no responders');
    this.published.push({ subject, body, msgId });
  }
}

function setup(nowMs = NOW_S * 1000) {
  const keys = new FakeKeyStore();
  const sink = new FakeSink();
  const clock = { now: nowMs };
  const seen = new SeenPushes(CALLBACK_WINDOW_MS, 1000);
  const receive = new ReceiveCallback({ keys, sink, seen, now: () => clock.now });
  return { keys, sink, clock, seen, receive };
}

interface PushOptions {
  appid?: string;
  key?: string;
  token?: string;
  trailingAppid?: string;
  timestamp?: string;
  nonce?: string;
  message?: string;
  fields?: Record<string, string | number>;
  envelopeTag?: 'AppId' | 'ToUserName';
}

function ticketMessage(appid = COMPONENT, extra: Record<string, string | number> = {}): string {
  return buildWechatXml({ AppId: appid, CreateTime: NOW_S, InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'ticket@@@abc', ...extra });
}

/** A push as WeChat sends it: encrypted with the component's key, signed with its token. */
function push(opts: PushOptions = {}) {
  const appid = opts.appid ?? COMPONENT;
  const timestamp = opts.timestamp ?? String(NOW_S);
  const nonce = opts.nonce ?? '1234567890';
  const message = opts.message ?? ticketMessage(appid, opts.fields);
  const encrypt = encryptMessage(aesKeyFrom(opts.key ?? KEY), opts.trailingAppid ?? appid, message);
  const signature = msgSignature(opts.token ?? TOKEN, timestamp, nonce, encrypt);
  const body = buildWechatXml({ [opts.envelopeTag ?? 'AppId']: appid, Encrypt: encrypt });
  return { encrypt, signature, body, query: new URLSearchParams({ timestamp, nonce, encrypt_type: 'aes', msg_signature: signature, signature: 'ignored' }) };
}

/** AES-256-CBC over `plain` exactly as given (no padding added), for crafting bad padding. */
function rawEncrypt(encodingAesKey: string, plain: Buffer): string {
  const key = aesKeyFrom(encodingAesKey);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function signed(encrypt: string, appid = COMPONENT, timestamp = String(NOW_S), nonce = '42') {
  return {
    body: buildWechatXml({ AppId: appid, Encrypt: encrypt }),
    query: new URLSearchParams({ timestamp, nonce, msg_signature: msgSignature(TOKEN, timestamp, nonce, encrypt) }),
  };
}

function rejected(result: CallbackResult): { status: number; reason: string } {
  if (result.ok) throw new Error(`expected a rejection, got ${result.outcome}`);
  return { status: result.status, reason: result.reason };
}

describe('receive-callback (docs/http-behaviour.md)', () => {
  it('publishes a ticket push under its component and InfoType with WeChat field names and a numeric CreateTime', async () => {
    const { receive, sink } = setup();
    const p = push();
    const result = await receive.execute({ query: p.query, body: p.body });
    expect(result).toMatchObject({ ok: true, outcome: 'published', componentAppid: COMPONENT, infoType: 'component_verify_ticket' });
    expect(sink.published).toEqual([
      {
        subject: `wxgate.events.wechat.${COMPONENT}.component_verify_ticket`,
        body: { AppId: COMPONENT, CreateTime: NOW_S, InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'ticket@@@abc' },
        msgId: callbackMsgId(COMPONENT, p.signature, '1234567890'),
      },
    ]);
  });

  it('finds the component by <ToUserName> when the envelope has no <AppId>', async () => {
    const { receive, sink } = setup();
    const p = push({ envelopeTag: 'ToUserName' });
    expect((await receive.execute({ query: p.query, body: p.body })).ok).toBe(true);
    expect(sink.published).toHaveLength(1);
  });

  it('publishes every InfoType, e.g. an authorization with its code expiry as a number', async () => {
    const { receive, sink } = setup();
    const message = buildWechatXml({
      AppId: COMPONENT,
      CreateTime: NOW_S,
      InfoType: 'authorized',
      AuthorizerAppid: 'wx2222222222222222',
      AuthorizationCode: 'queryauthcode@@@x',
      AuthorizationCodeExpiredTime: NOW_S + 3600,
      PreAuthCode: 'preauthcode@@@y',
    });
    const p = push({ message });
    await receive.execute({ query: p.query, body: p.body });
    expect(sink.published[0]!.subject).toBe(`wxgate.events.wechat.${COMPONENT}.authorized`);
    expect(sink.published[0]!.body).toMatchObject({ AuthorizerAppid: 'wx2222222222222222', AuthorizationCodeExpiredTime: NOW_S + 3600 });
  });

  describe('rejects, and publishes nothing', () => {
    const cases: [string, () => { query: URLSearchParams; body: string }, number, string, (s: ReturnType<typeof setup>) => void][] = [
      ['a body over 64 KiB', () => ({ query: push().query, body: `<xml>${'x'.repeat(MAX_CALLBACK_BODY_BYTES)}</xml>` }), 413, 'body_too_large', () => undefined],
      ['malformed XML', () => ({ query: push().query, body: '<xml><AppId>wx1111111111111111</AppId><Encrypt>abc</xml>' }), 400, 'malformed_envelope', () => undefined],
      ['a body that is not XML', () => ({ query: push().query, body: '{"AppId":"wx1111111111111111"}' }), 400, 'malformed_envelope', () => undefined],
      [
        'a DOCTYPE declaration',
        () => ({ query: push().query, body: `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x "y">]>${push().body}` }),
        400,
        'declaration_refused',
        () => undefined,
      ],
      ['an ENTITY declaration', () => ({ query: push().query, body: `<!ENTITY lol "lol">${push().body}` }), 400, 'declaration_refused', () => undefined],
      ['an envelope without <Encrypt>', () => ({ query: push().query, body: buildWechatXml({ AppId: COMPONENT }) }), 400, 'missing_encrypt', () => undefined],
      ['an unknown AppId', () => push({ appid: 'wx9999999999999999' }), 400, 'unknown_appid', () => undefined],
      ['an AppId that is no appid', () => ({ query: push().query, body: buildWechatXml({ AppId: 'wx.*>', Encrypt: push().encrypt }) }), 400, 'unknown_appid', () => undefined],
      ['an envelope without AppId or ToUserName', () => ({ query: push().query, body: buildWechatXml({ Encrypt: push().encrypt }) }), 400, 'unknown_appid', () => undefined],
      ['a missing timestamp', () => withQuery(push(), (q) => q.delete('timestamp')), 401, 'bad_timestamp', () => undefined],
      ['a non-numeric timestamp', () => push({ timestamp: '17e8' }), 401, 'bad_timestamp', () => undefined],
      ['a timestamp 10 minutes and 1 second old', () => push({ timestamp: String(NOW_S - 601) }), 401, 'bad_timestamp', () => undefined],
      ['a timestamp 10 minutes and 1 second ahead', () => push({ timestamp: String(NOW_S + 601) }), 401, 'bad_timestamp', () => undefined],
      ['a missing msg_signature', () => withQuery(push(), (q) => q.delete('msg_signature')), 401, 'bad_signature', () => undefined],
      ['a wrong msg_signature', () => withQuery(push(), (q) => q.set('msg_signature', 'f'.repeat(40))), 401, 'bad_signature', () => undefined],
      ['a signature made with another token', () => push({ token: 'not-the-token' }), 401, 'bad_signature', () => undefined],
      ['a missing nonce', () => withQuery(push(), (q) => q.delete('nonce')), 401, 'bad_signature', () => undefined],
      ['a nonce other than the signed one', () => withQuery(push(), (q) => q.set('nonce', '1')), 401, 'bad_signature', () => undefined],
      ['an Encrypt swapped after signing', () => ({ query: push().query, body: buildWechatXml({ AppId: COMPONENT, Encrypt: push({ nonce: '7' }).encrypt }) }), 401, 'bad_signature', () => undefined],
      [
        'bad padding (last byte 0)',
        () => signed(rawEncrypt(KEY, Buffer.concat([Buffer.alloc(16, 1), Buffer.from([0, 0, 0, 4]), Buffer.from('abcd'), Buffer.alloc(40, 0)]))),
        400,
        'bad_padding',
        () => undefined,
      ],
      [
        'bad padding (inconsistent pad bytes)',
        () => signed(rawEncrypt(KEY, Buffer.concat([Buffer.alloc(16, 1), Buffer.from([0, 0, 0, 4]), Buffer.from('abcd'), Buffer.alloc(39, 9), Buffer.from([5])]))),
        400,
        'bad_padding',
        () => undefined,
      ],
      ['a ciphertext that is not whole AES blocks', () => signed(Buffer.alloc(20, 7).toString('base64')), 400, 'decrypt_failed', () => undefined],
      ['Encrypt that is not base64', () => signed('not base64 !!!'), 400, 'decrypt_failed', () => undefined],
      ['a wrong trailing appid', () => push({ trailingAppid: 'wx3333333333333333' }), 400, 'wrong_appid', () => undefined],
      ['a decrypted message naming another component', () => push({ message: ticketMessage('wx4444444444444444') }), 400, 'wrong_appid', () => undefined],
      ['a decrypted message without AppId', () => push({ message: buildWechatXml({ CreateTime: NOW_S, InfoType: 'component_verify_ticket' }) }), 400, 'wrong_appid', () => undefined],
      [
        'a decrypted message whose CreateTime is not a number',
        () => push({ message: buildWechatXml({ AppId: COMPONENT, CreateTime: 'yesterday', InfoType: 'component_verify_ticket' }) }),
        400,
        'malformed_message',
        () => undefined,
      ],
      ['a decrypted message without CreateTime', () => push({ message: buildWechatXml({ AppId: COMPONENT, InfoType: 'unauthorized' }) }), 400, 'malformed_message', () => undefined],
      ['a decrypted message that is not XML', () => push({ message: 'ticket=abc' }), 400, 'malformed_message', () => undefined],
      ['a decrypted message with a DOCTYPE', () => push({ message: `<!DOCTYPE xml>${ticketMessage()}` }), 400, 'malformed_message', () => undefined],
      ['a decrypted message without InfoType', () => push({ message: buildWechatXml({ AppId: COMPONENT, CreateTime: NOW_S }) }), 400, 'missing_info_type', () => undefined],
      ['an InfoType that is no subject token', () => push({ fields: { InfoType: 'a.b>' } }), 400, 'missing_info_type', () => undefined],
      ['a key store that fails (WeChat will push again)', push, 503, 'key_store_unavailable', (s) => (s.keys.failing = true)],
      ['a stored key that is malformed', push, 500, 'invalid_keys', (s) => s.keys.keys.set(COMPONENT, { token: TOKEN, encodingAesKeys: ['short'] })],
      ['a publish that fails (WeChat will push again)', push, 503, 'publish_failed', (s) => (s.sink.failing = true)],
    ];

    it.each(cases)('%s', async (_name, make, status, reason, arrange) => {
      const s = setup();
      arrange(s);
      const request = make();
      expect(rejected(await s.receive.execute(request))).toEqual({ status, reason });
      expect(s.sink.published).toEqual([]);
    });
  });

  it('accepts a timestamp exactly 10 minutes off either way', async () => {
    const { receive, sink } = setup();
    for (const timestamp of [String(NOW_S - 600), String(NOW_S + 600)]) {
      const p = push({ timestamp });
      expect((await receive.execute({ query: p.query, body: p.body })).ok).toBe(true);
    }
    expect(sink.published).toHaveLength(2);
  });

  it('checks the signature before touching AES: a bad signature with an unusable key is a 401, not a key error', async () => {
    const s = setup();
    s.keys.keys.set(COMPONENT, { token: TOKEN, encodingAesKeys: ['short'] });
    const p = withQuery(push(), (q) => q.set('msg_signature', '0'.repeat(40)));
    expect(rejected(await s.receive.execute(p))).toEqual({ status: 401, reason: 'bad_signature' });
  });

  describe('re-sent pushes', () => {
    it('answers success to a re-send without publishing it again', async () => {
      const { receive, sink, clock } = setup();
      const p = push();
      const first = await receive.execute({ query: p.query, body: p.body });
      clock.now += 5 * 60 * 1000;
      const again = await receive.execute({ query: p.query, body: p.body });
      expect(again).toMatchObject({ ok: true, outcome: 'duplicate', componentAppid: COMPONENT });
      expect(first.ok && again.ok && again.msgId === first.msgId).toBe(true);
      expect(sink.published).toHaveLength(1);
    });

    it('republishes a push whose first publish failed, under the same message id', async () => {
      const { receive, sink } = setup();
      const p = push();
      sink.failing = true;
      expect(rejected(await receive.execute({ query: p.query, body: p.body })).status).toBe(503);
      sink.failing = false;
      expect(await receive.execute({ query: p.query, body: p.body })).toMatchObject({ ok: true, outcome: 'published' });
      expect(sink.published).toHaveLength(1);
    });

    it('gives a forgotten re-send (another replica, or an evicted entry) the same JetStream message id', async () => {
      const a = setup();
      const b = setup();
      const p = push();
      await a.receive.execute({ query: p.query, body: p.body });
      await b.receive.execute({ query: p.query, body: p.body });
      expect(b.sink.published[0]!.msgId).toBe(a.sink.published[0]!.msgId);
    });

    it('treats pushes with another nonce, or of another component, as new', async () => {
      const { receive, sink, keys } = setup();
      keys.keys.set('wx5555555555555555', { token: TOKEN, encodingAesKeys: [KEY] });
      for (const p of [push({ nonce: '1' }), push({ nonce: '2' }), push({ nonce: '1', appid: 'wx5555555555555555' })]) {
        expect(await receive.execute({ query: p.query, body: p.body })).toMatchObject({ ok: true, outcome: 'published' });
      }
      expect(new Set(sink.published.map((m) => m.msgId)).size).toBe(3);
    });

    it('refuses a re-send once it is older than the window, by its timestamp', async () => {
      const { receive, sink, clock } = setup();
      const p = push();
      await receive.execute({ query: p.query, body: p.body });
      clock.now += CALLBACK_WINDOW_MS + 1000;
      expect(rejected(await receive.execute({ query: p.query, body: p.body })).status).toBe(401);
      expect(sink.published).toHaveLength(1);
    });
  });

  describe('key rotation', () => {
    it('accepts a push encrypted with the previous EncodingAESKey', async () => {
      const { receive, sink, keys } = setup();
      keys.keys.set(COMPONENT, { token: TOKEN, encodingAesKeys: [KEY, OLD_KEY] });
      const old = push({ key: OLD_KEY, nonce: '1' });
      const current = push({ key: KEY, nonce: '2' });
      expect((await receive.execute({ query: old.query, body: old.body })).ok).toBe(true);
      expect((await receive.execute({ query: current.query, body: current.body })).ok).toBe(true);
      expect(sink.published).toHaveLength(2);
    });

    it('refuses a push encrypted with a key that is neither current nor previous', async () => {
      const { receive, sink, keys } = setup();
      keys.keys.set(COMPONENT, { token: TOKEN, encodingAesKeys: [KEY] });
      const old = push({ key: OLD_KEY });
      expect(rejected(await receive.execute({ query: old.query, body: old.body })).status).toBe(400);
      expect(sink.published).toEqual([]);
    });
  });

  describe('docs/wechat-protocol.md vectors', () => {
    function vector(v: { appid: string; token: string; key: string; timestamp: string; nonce: string; encrypt: string; signature: string }, keys?: string[]) {
      const s = setup(Number(v.timestamp) * 1000);
      s.keys.keys.set(v.appid, { token: v.token, encodingAesKeys: keys ?? [v.key] });
      return s.receive.execute({
        query: new URLSearchParams({ timestamp: v.timestamp, nonce: v.nonce, encrypt_type: 'aes', msg_signature: v.signature }),
        body: buildWechatXml({ AppId: v.appid, Encrypt: v.encrypt }),
      });
    }

    const V4 = {
      appid: 'wx134c8103faa5a59e',
      token: 'AAAAA',
      key: 'A'.repeat(43),
      timestamp: '1715943329',
      nonce: '1590219412',
      signature: '6c12a4205838198b8fa631b3220723bb07f1015c',
      encrypt:
        'D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==',
    };
    const V1 = {
      appid: 'wx2c2769f8efd9abc2',
      token: 'spamtest',
      key: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      timestamp: '1409735669',
      nonce: '1320562132',
      signature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
      encrypt:
        'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
    };
    const V3 = {
      appid: 'wxb11529c136998cb6',
      token: 'pamtest',
      key: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      timestamp: '1458300676',
      nonce: '260774613',
      signature: '4f3ad57b6989f09f4eb392acce4f9e93942ed890',
      encrypt:
        'rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA==',
    };

    /*
     * The vectors are message pushes (V4 a `debug_demo` event, V1 and V3 text messages), not
     * authorization events: none has an InfoType. So the strongest outcome they can reach is the
     * last rejection, missing_info_type, which is only reachable after the timestamp, the
     * signature, the 32-byte padding and the trailing appid all passed.
     */
    it('V4 (WeChat third-party example, 32-byte padding): passes timestamp, signature, decrypt and appid checks at its own time', async () => {
      expect(rejected(await vector(V4))).toEqual({ status: 400, reason: 'missing_info_type' });
    });

    it('V4 keys accept and publish a ticket push at the vector timestamp', async () => {
      const s = setup(Number(V4.timestamp) * 1000);
      s.keys.keys.set(V4.appid, { token: V4.token, encodingAesKeys: [V4.key] });
      const message = buildWechatXml({ AppId: V4.appid, CreateTime: Number(V4.timestamp), InfoType: 'component_verify_ticket', ComponentVerifyTicket: 't' });
      const encrypt = encryptMessage(aesKeyFrom(V4.key), V4.appid, message);
      const result = await s.receive.execute({
        query: new URLSearchParams({ timestamp: V4.timestamp, nonce: V4.nonce, msg_signature: msgSignature(V4.token, V4.timestamp, V4.nonce, encrypt) }),
        body: buildWechatXml({ AppId: V4.appid, Encrypt: encrypt }),
      });
      expect(result).toMatchObject({ ok: true, outcome: 'published', subject: `wxgate.events.wechat.${V4.appid}.component_verify_ticket` });
    });

    it('V4 is refused at any other time (its timestamp is from 2024)', async () => {
      const s = setup();
      s.keys.keys.set(V4.appid, { token: V4.token, encodingAesKeys: [V4.key] });
      const result = await s.receive.execute({
        query: new URLSearchParams({ timestamp: V4.timestamp, nonce: V4.nonce, msg_signature: V4.signature }),
        body: buildWechatXml({ AppId: V4.appid, Encrypt: V4.encrypt }),
      });
      expect(rejected(result)).toEqual({ status: 401, reason: 'bad_timestamp' });
    });

    it('V1 (official sample) decrypts, also as the previous key after a rotation', async () => {
      expect(rejected(await vector(V1))).toEqual({ status: 400, reason: 'missing_info_type' });
      expect(rejected(await vector(V1, [OLD_KEY, V1.key]))).toEqual({ status: 400, reason: 'missing_info_type' });
    });

    it('V3 (EasyWeChat, pad 21 of 32) decrypts; claimed by another component it fails the trailing appid check', async () => {
      expect(rejected(await vector(V3))).toEqual({ status: 400, reason: 'missing_info_type' });
      const s = setup(Number(V3.timestamp) * 1000);
      s.keys.keys.set('wx6666666666666666', { token: V3.token, encodingAesKeys: [V3.key] });
      const result = await s.receive.execute({
        query: new URLSearchParams({ timestamp: V3.timestamp, nonce: V3.nonce, msg_signature: V3.signature }),
        body: buildWechatXml({ AppId: 'wx6666666666666666', Encrypt: V3.encrypt }),
      });
      expect(rejected(result)).toEqual({ status: 400, reason: 'wrong_appid' });
    });
  });
});

describe('seen pushes', () => {
  it('forgets entries after the window', () => {
    const seen = new SeenPushes(1000, 10);
    seen.add('a', 0);
    expect(seen.has('a', 999)).toBe(true);
    expect(seen.has('a', 1000)).toBe(false);
    seen.add('b', 1500);
    expect(seen.size).toBe(1);
  });

  it('stays bounded, dropping the oldest entries first', () => {
    const seen = new SeenPushes(60_000, 3);
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) seen.add(key, i);
    expect(seen.size).toBe(3);
    expect(seen.has('a', 10)).toBe(false);
    expect(seen.has('d', 10)).toBe(true);
  });
});

function withQuery(p: { query: URLSearchParams; body: string }, change: (q: URLSearchParams) => void) {
  const query = new URLSearchParams(p.query);
  change(query);
  return { query, body: p.body };
}
