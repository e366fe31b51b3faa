/**
 * WXBizMsgCrypt ("safe mode") as WeChat implements it, which differs from textbook AES-CBC in two
 * ways that break naive ports: the IV is the first 16 bytes of the key, and PKCS#7 padding is to
 * 32-byte blocks (pad value 1..32), so Node's automatic 16-byte padding must stay off.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type WechatCryptoErrorCode =
  | 'BAD_KEY'
  | 'BAD_BASE64'
  | 'BAD_BLOCK'
  | 'BAD_PADDING'
  | 'BAD_LENGTH'
  | 'BAD_APPID'
  | 'BAD_RANDOM';

/** Its message names what is wrong, never the key, token or plaintext involved. */
export class WechatCryptoError extends Error {
  constructor(
    readonly code: WechatCryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WechatCryptoError';
  }
}

const BLOCK = 32;
const AES_BLOCK = 16;
const RANDOM_LEN = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function aesKeyFrom(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) {
    throw new WechatCryptoError('BAD_KEY', 'EncodingAESKey must be 43 base64 characters');
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new WechatCryptoError('BAD_KEY', 'EncodingAESKey does not decode to 32 bytes');
  return key;
}

function sha1OfSorted(parts: string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

export function msgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sha1OfSorted([token, timestamp, nonce, encrypt]);
}

export function urlSignature(token: string, timestamp: string, nonce: string): string {
  return sha1OfSorted([token, timestamp, nonce]);
}

/**
 * Compares digests of both sides so the time taken depends on neither the content nor the length
 * of the secret side (timingSafeEqual itself throws on unequal lengths).
 */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

function assertKey(key: Buffer): void {
  if (key.length !== 32) throw new WechatCryptoError('BAD_KEY', 'AES key must be 32 bytes');
}

export function encryptMessage(key: Buffer, appid: string, message: string, random?: Buffer): string {
  assertKey(key);
  const rand = random ?? randomBytes(RANDOM_LEN);
  if (rand.length !== RANDOM_LEN) throw new WechatCryptoError('BAD_RANDOM', 'random prefix must be 16 bytes');
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const body = Buffer.concat([rand, len, msg, Buffer.from(appid, 'utf8')]);
  const pad = BLOCK - (body.length % BLOCK);
  const padded = Buffer.concat([body, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

export interface DecryptedMessage {
  message: string;
  appid: string;
}

export function decryptMessage(key: Buffer, encrypt: string): DecryptedMessage {
  assertKey(key);
  const compact = encrypt.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new WechatCryptoError('BAD_BASE64', 'Encrypt is not valid base64');
  }
  const data = Buffer.from(compact, 'base64');
  // WeChat always pads to 32, but a 16-aligned length is all CBC needs; the padding check decides.
  if (data.length === 0 || data.length % AES_BLOCK !== 0) {
    throw new WechatCryptoError('BAD_BLOCK', 'ciphertext is not a whole number of AES blocks');
  }
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new WechatCryptoError('BAD_BLOCK', 'ciphertext could not be decrypted');
  }
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > BLOCK || pad > plain.length) {
    throw new WechatCryptoError('BAD_PADDING', 'padding is invalid');
  }
  for (let i = plain.length - pad; i < plain.length; i++) {
    if (plain[i] !== pad) throw new WechatCryptoError('BAD_PADDING', 'padding is invalid');
  }
  const content = plain.subarray(0, plain.length - pad);
  if (content.length < RANDOM_LEN + 4) {
    throw new WechatCryptoError('BAD_LENGTH', 'plaintext is too short');
  }
  const msgLen = content.readUInt32BE(RANDOM_LEN);
  const msgEnd = RANDOM_LEN + 4 + msgLen;
  if (msgEnd > content.length) {
    throw new WechatCryptoError('BAD_LENGTH', 'message length field exceeds the plaintext');
  }
  return {
    message: content.subarray(RANDOM_LEN + 4, msgEnd).toString('utf8'),
    appid: content.subarray(msgEnd).toString('utf8'),
  };
}

export interface WechatMsgCryptOptions {
  token: string;
  /** Current key first, previous keys after: WeChat's key rotation keeps the old one working. */
  encodingAesKeys: string[];
  appid: string;
}

export interface EncryptedReply {
  Encrypt: string;
  MsgSignature: string;
  TimeStamp: string;
  Nonce: string;
}

export class WechatMsgCrypt {
  readonly #token: string;
  readonly #keys: Buffer[];
  readonly #appid: string;

  constructor(opts: WechatMsgCryptOptions) {
    if (opts.encodingAesKeys.length === 0) throw new WechatCryptoError('BAD_KEY', 'at least one EncodingAESKey is required');
    this.#token = opts.token;
    this.#keys = opts.encodingAesKeys.map(aesKeyFrom);
    this.#appid = opts.appid;
  }

  verify(signature: string, timestamp: string, nonce: string, encrypt: string): boolean {
    return safeEqual(msgSignature(this.#token, timestamp, nonce, encrypt), signature);
  }

  sign(timestamp: string, nonce: string, encrypt: string): string {
    return msgSignature(this.#token, timestamp, nonce, encrypt);
  }

  /**
   * A wrong key almost always fails the padding check, but can by chance yield valid-looking
   * padding; the appid check is what finally tells keys apart, so it is applied per key.
   */
  decrypt(encrypt: string): string {
    let lastError: WechatCryptoError | undefined;
    let appidMismatch = false;
    for (const key of this.#keys) {
      try {
        const { message, appid } = decryptMessage(key, encrypt);
        if (appid === this.#appid) return message;
        appidMismatch = true;
      } catch (e) {
        if (!(e instanceof WechatCryptoError)) throw e;
        if (e.code === 'BAD_BASE64') throw e;
        lastError = e;
      }
    }
    if (appidMismatch) throw new WechatCryptoError('BAD_APPID', 'trailing appid does not match the component appid');
    throw lastError!;
  }

  encrypt(message: string, opts?: { random?: Buffer }): string {
    return encryptMessage(this.#keys[0]!, this.#appid, message, opts?.random);
  }

  encryptReply(message: string, timestamp: string, nonce: string, random?: Buffer): EncryptedReply {
    const encrypted = this.encrypt(message, { random });
    return { Encrypt: encrypted, MsgSignature: this.sign(timestamp, nonce, encrypted), TimeStamp: timestamp, Nonce: nonce };
  }
}
