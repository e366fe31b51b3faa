import { createCipheriv, createDecipheriv } from 'node:crypto';
import {
  aesKeyFrom,
  decryptMessage,
  encryptMessage,
  msgSignature,
  safeEqual,
  urlSignature,
  WechatCryptoError,
  WechatMsgCrypt,
} from './msg-crypto.js';

// Vectors from docs/wechat-protocol.md.
const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const ZERO_KEY = 'A'.repeat(43);

const V1 = {
  token: 'spamtest',
  appid: 'wx2c2769f8efd9abc2',
  timestamp: '1409735669',
  nonce: '1320562132',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  plaintext:
    '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>',
  keyHex: '69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051',
};

const V2 = {
  token: 'pamtest',
  appid: 'wxb11529c136998cb6',
  random: Buffer.from('aaaabbbbccccdddd'),
  message: '我是中文abcd123',
  encrypt: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
};

const V3 = {
  token: 'pamtest',
  appid: 'wxb11529c136998cb6',
  nonce: '260774613',
  timestamp: '1458300676',
  encrypt:
    'rTNFcsut4LfGuAFKEUVVpwcaCOTJzOd9twZdIW910jb3k+iicx2uvhttIZ3Qg9Qgty3BEF2xbOrz6boTfb30dMomcgrkTqdFPwnhqbk+kIQ7rZiwny9D7NUrTgA5kpX3KsZvrXzUZyP2x9YOlxbgm572lmxKvM7HAQQhIQ/p6HBmoY30bGXFK0BtIu1pW9TjhOYrLQoU18nWYjWqDA1ynkmOytpv7QRI1P1+0NoxL0q2zO1DgeSvnE8CZGo/o5Ap/WHK5W2RAsinpzN4/LjPnmB6U01I5XCoJoC0GK/yMZycd2Oh8Nq6+wBkC1U85oy0ktOY4nLvsQMLrourmMGdZHuTbqpeJ8Ao/5PRYJ+WBvRUwPfGKBL2+2IKZF49vAJqkcGWSHGE76ZN2erXeuNazf/o9o3lIE3q739o4c8t9QGPe31GT2Go/rOz1BsrASwvauNulCh+++yz+CQzBIuikA==',
  msgSignature: '4f3ad57b6989f09f4eb392acce4f9e93942ed890',
  plaintext:
    '<xml><URL><![CDATA[http://wechat.laravel.so/server]]></URL><ToUserName><![CDATA[asdasdasd]]></ToUserName><FromUserName><![CDATA[asdasdasdsadasd]]></FromUserName><CreateTime>1234567898</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>12345</MsgId></xml>',
};

const V4 = {
  token: 'AAAAA',
  appid: 'wx134c8103faa5a59e',
  timestamp: '1715943329',
  nonce: '1590219412',
  encrypt:
    'D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==',
  urlSignature: 'cc0c594499c1634947d5b502f158ee518947db27',
  msgSignature: '6c12a4205838198b8fa631b3220723bb07f1015c',
  reply: {
    random: Buffer.from('999951349e8ee746'),
    message: '<xml><demo_resp>[CDATA[good luck]]</demo_resp></xml>',
    timestamp: '1713424427',
    nonce: '415670741',
    encrypt:
      'hE8R6mGXHkJJjU72KxzKUd1GEkKJaEZq7vRL8XgK3o+00k8JGq6+pZJUIlTSyhsX+bxIBQ72g3GyvDdIZcr6+3HAZbSvPT9t/o11MI7d6WELwqrGd7jMnV0zv3Zc9Nq7',
    msgSignature: '03e0812039325c2712ef5f0f980fd14c70d6e307',
  },
};

/** Raw AES-256-CBC decryption, padding left in place, to inspect what WeChat actually sent. */
function rawDecrypt(encodingAesKey: string, encrypt: string): Buffer {
  const key = aesKeyFrom(encodingAesKey);
  const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  d.setAutoPadding(false);
  return Buffer.concat([d.update(Buffer.from(encrypt, 'base64')), d.final()]);
}

/** Re-encrypts a raw plaintext block-for-block, so a test can tamper with padding or length. */
function rawEncrypt(encodingAesKey: string, plain: Buffer): string {
  const key = aesKeyFrom(encodingAesKey);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof WechatCryptoError) return e.code;
    throw e;
  }
  return undefined;
}

describe('EncodingAESKey', () => {
  it('decodes the 43-character key to the 32-byte AES key of the official sample', () => {
    expect(aesKeyFrom(KEY).toString('hex')).toBe(V1.keyHex);
    expect(aesKeyFrom(ZERO_KEY)).toEqual(Buffer.alloc(32));
  });
  it.each(['', 'short', `${KEY}A`, `${KEY.slice(0, 42)}!`])('rejects %j without echoing it', (bad) => {
    let err: unknown;
    try {
      aesKeyFrom(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WechatCryptoError);
    expect((err as WechatCryptoError).code).toBe('BAD_KEY');
    if (bad.length > 4) expect((err as Error).message).not.toContain(bad);
  });
});

describe('signatures', () => {
  it('reproduces the msg_signature of V1, V3 and V4', () => {
    expect(msgSignature(V1.token, V1.timestamp, V1.nonce, V1.encrypt)).toBe(V1.msgSignature);
    expect(msgSignature(V3.token, V3.timestamp, V3.nonce, V3.encrypt)).toBe(V3.msgSignature);
    expect(msgSignature(V4.token, V4.timestamp, V4.nonce, V4.encrypt)).toBe(V4.msgSignature);
  });
  it('reproduces the URL signature of V4', () => {
    expect(urlSignature(V4.token, V4.timestamp, V4.nonce)).toBe(V4.urlSignature);
  });
  it('compares in constant time and treats different lengths as unequal', () => {
    expect(safeEqual(V1.msgSignature, V1.msgSignature)).toBe(true);
    expect(safeEqual(V1.msgSignature, V3.msgSignature)).toBe(false);
    expect(safeEqual(V1.msgSignature, V1.msgSignature.slice(0, 39))).toBe(false);
    expect(safeEqual('', V1.msgSignature)).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});

describe('decryptMessage', () => {
  it('decrypts the official sample V1 to its 280-byte message and appid', () => {
    const { message, appid } = decryptMessage(aesKeyFrom(KEY), V1.encrypt);
    expect(message).toBe(V1.plaintext);
    expect(Buffer.byteLength(message)).toBe(280);
    expect(appid).toBe(V1.appid);
  });

  it('decrypts V3, whose padding (21) is longer than an AES block', () => {
    const raw = rawDecrypt(KEY, V3.encrypt);
    expect(raw.length).toBe(352);
    expect(raw[raw.length - 1]).toBe(21);
    expect(raw.readUInt32BE(16)).toBe(293);
    const { message, appid } = decryptMessage(aesKeyFrom(KEY), V3.encrypt);
    expect(message).toBe(V3.plaintext);
    expect(Buffer.byteLength(message)).toBe(293);
    expect(appid).toBe(V3.appid);
  });

  it('decrypts V4 (all-zero key) with pad 22, its random prefix and 292-byte message', () => {
    const raw = rawDecrypt(ZERO_KEY, V4.encrypt);
    expect(raw.length).toBe(352);
    expect(raw[raw.length - 1]).toBe(22);
    expect(raw.subarray(0, 16).toString()).toBe('1205899eaf019bbd');
    expect(raw.readUInt32BE(16)).toBe(292);
    const { message, appid } = decryptMessage(aesKeyFrom(ZERO_KEY), V4.encrypt);
    expect(Buffer.byteLength(message)).toBe(292);
    expect(message.startsWith('<xml>')).toBe(true);
    expect(appid).toBe(V4.appid);
  });

  it('proves 32-byte padding: a 16-byte-block PKCS#7 decryptor rejects V3 and V4', () => {
    const pkcs7x16 = (encodingAesKey: string, encrypt: string) => {
      const key = aesKeyFrom(encodingAesKey);
      const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
      return Buffer.concat([d.update(Buffer.from(encrypt, 'base64')), d.final()]);
    };
    expect(() => pkcs7x16(KEY, V3.encrypt)).toThrow();
    expect(() => pkcs7x16(ZERO_KEY, V4.encrypt)).toThrow();
    expect(() => decryptMessage(aesKeyFrom(KEY), V3.encrypt)).not.toThrow();
    expect(() => decryptMessage(aesKeyFrom(ZERO_KEY), V4.encrypt)).not.toThrow();
  });

  it('rejects bad base64 with BAD_BASE64', () => {
    const key = aesKeyFrom(KEY);
    expect(codeOf(() => decryptMessage(key, 'not base64!!'))).toBe('BAD_BASE64');
    expect(codeOf(() => decryptMessage(key, ''))).toBe('BAD_BASE64');
    expect(codeOf(() => decryptMessage(key, 'abc'))).toBe('BAD_BASE64');
  });

  it('rejects a ciphertext that is not whole AES blocks with BAD_BLOCK', () => {
    expect(codeOf(() => decryptMessage(aesKeyFrom(KEY), Buffer.alloc(20).toString('base64')))).toBe('BAD_BLOCK');
  });

  it('rejects tampered padding with BAD_PADDING', () => {
    const raw = rawDecrypt(KEY, V3.encrypt);
    const zeroPad = Buffer.from(raw);
    zeroPad[zeroPad.length - 1] = 0;
    const tooBig = Buffer.from(raw);
    tooBig[tooBig.length - 1] = 33;
    const unequal = Buffer.from(raw);
    unequal[unequal.length - 2] = 7;
    const key = aesKeyFrom(KEY);
    for (const bad of [zeroPad, tooBig, unequal]) {
      expect(codeOf(() => decryptMessage(key, rawEncrypt(KEY, bad)))).toBe('BAD_PADDING');
    }
  });

  it('rejects a length field that does not fit with BAD_LENGTH', () => {
    const raw = rawDecrypt(KEY, V3.encrypt);
    raw.writeUInt32BE(10_000, 16);
    expect(codeOf(() => decryptMessage(aesKeyFrom(KEY), rawEncrypt(KEY, raw)))).toBe('BAD_LENGTH');
  });

  it('never puts the plaintext or key in an error message', () => {
    const raw = rawDecrypt(KEY, V3.encrypt);
    raw.writeUInt32BE(10_000, 16);
    expect(() => decryptMessage(aesKeyFrom(KEY), rawEncrypt(KEY, raw))).toThrow(WechatCryptoError);
    try {
      decryptMessage(aesKeyFrom(KEY), rawEncrypt(KEY, raw));
    } catch (e) {
      expect((e as Error).message).not.toMatch(/laravel|hello|abcdefghij/);
    }
  });
});

describe('encryptMessage', () => {
  it('reproduces V2 from its given random prefix', () => {
    expect(encryptMessage(aesKeyFrom(KEY), V2.appid, V2.message, V2.random)).toBe(V2.encrypt);
    expect(decryptMessage(aesKeyFrom(KEY), V2.encrypt)).toEqual({ message: V2.message, appid: V2.appid });
  });
  it('pads to 32-byte blocks and round-trips with a fresh random prefix', () => {
    const key = aesKeyFrom(KEY);
    for (const msg of ['', 'a', 'x'.repeat(200), '中文'.repeat(50)]) {
      const enc = encryptMessage(key, V2.appid, msg);
      expect(Buffer.from(enc, 'base64').length % 32).toBe(0);
      expect(decryptMessage(key, enc)).toEqual({ message: msg, appid: V2.appid });
    }
  });
  it('rejects a random prefix that is not 16 bytes', () => {
    expect(codeOf(() => encryptMessage(aesKeyFrom(KEY), V2.appid, 'x', Buffer.alloc(8)))).toBe('BAD_RANDOM');
  });
});

describe('WechatMsgCrypt', () => {
  it('verifies and decrypts the official sample V1', () => {
    const c = new WechatMsgCrypt({ token: V1.token, encodingAesKeys: [KEY], appid: V1.appid });
    expect(c.verify(V1.msgSignature, V1.timestamp, V1.nonce, V1.encrypt)).toBe(true);
    expect(c.verify(V3.msgSignature, V1.timestamp, V1.nonce, V1.encrypt)).toBe(false);
    expect(c.verify('', V1.timestamp, V1.nonce, V1.encrypt)).toBe(false);
    expect(c.decrypt(V1.encrypt)).toBe(V1.plaintext);
  });

  it('verifies and decrypts the third-party example V4, and reproduces its encrypted reply', () => {
    const c = new WechatMsgCrypt({ token: V4.token, encodingAesKeys: [ZERO_KEY], appid: V4.appid });
    expect(c.verify(V4.msgSignature, V4.timestamp, V4.nonce, V4.encrypt)).toBe(true);
    expect(Buffer.byteLength(c.decrypt(V4.encrypt))).toBe(292);
    const r = V4.reply;
    expect(c.encrypt(r.message, { random: r.random })).toBe(r.encrypt);
    expect(c.encryptReply(r.message, r.timestamp, r.nonce, r.random)).toEqual({
      Encrypt: r.encrypt,
      MsgSignature: r.msgSignature,
      TimeStamp: r.timestamp,
      Nonce: r.nonce,
    });
    expect(c.sign(r.timestamp, r.nonce, r.encrypt)).toBe(r.msgSignature);
    expect(c.decrypt(r.encrypt)).toBe(r.message);
  });

  it('rejects a message for another appid with BAD_APPID', () => {
    const c = new WechatMsgCrypt({ token: V3.token, encodingAesKeys: [KEY], appid: 'wx0000000000000000' });
    expect(codeOf(() => c.decrypt(V3.encrypt))).toBe('BAD_APPID');
  });

  it('decrypts with the previous key after a key rotation', () => {
    const c = new WechatMsgCrypt({ token: V3.token, encodingAesKeys: [ZERO_KEY, KEY], appid: V3.appid });
    expect(c.decrypt(V3.encrypt)).toBe(V3.plaintext);
    expect(c.decrypt(c.encrypt('new'))).toBe('new');
    // Replies are encrypted with the current key only.
    expect(decryptMessage(aesKeyFrom(ZERO_KEY), c.encrypt('new')).message).toBe('new');
  });

  it("reports the last key's error when no key fits", () => {
    const c = new WechatMsgCrypt({ token: V3.token, encodingAesKeys: [ZERO_KEY], appid: V3.appid });
    const code = codeOf(() => c.decrypt(V3.encrypt));
    expect(['BAD_PADDING', 'BAD_LENGTH', 'BAD_APPID']).toContain(code);
    expect(codeOf(() => c.decrypt('%%%'))).toBe('BAD_BASE64');
  });

  it('requires at least one valid key', () => {
    expect(codeOf(() => new WechatMsgCrypt({ token: 't', encodingAesKeys: [], appid: 'wx1' }))).toBe('BAD_KEY');
    expect(codeOf(() => new WechatMsgCrypt({ token: 't', encodingAesKeys: ['bad'], appid: 'wx1' }))).toBe('BAD_KEY');
  });
});
