import { randomBytes, sign as rsaSign, verify as rsaVerify, type KeyObject } from 'node:crypto';

/** The only signature type WeChat Pay API v3 defines for RSA merchants. */
export const WECHATPAY_SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048';
/** WeChat Pay's probes of a merchant's verification carry signatures with this prefix; they must never verify. */
export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';
/** WeChat Pay rejects, and wxgate refuses, signatures whose timestamp is further than this from now. */
export const MAX_CLOCK_SKEW_S = 300;

/** 32 upper-case hex characters, the shape WeChat Pay's SDKs send as `nonce_str`. */
export function payNonce(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

export function epochSeconds(nowMs: number = Date.now()): string {
  return String(Math.floor(nowMs / 1000));
}

/** Lines joined with `\n`, each line ending in one, the last included: every WeChat Pay signature message. */
function lines(parts: (string | Buffer)[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) chunks.push(Buffer.isBuffer(part) ? part : Buffer.from(part, 'utf8'), NEWLINE);
  return Buffer.concat(chunks);
}
const NEWLINE = Buffer.from('\n');

/** `<METHOD>\n<path?query as sent>\n<timestamp>\n<nonce>\n<body bytes>\n` */
export function requestSignatureMessage(method: string, url: string, timestamp: string, nonce: string, body: string | Buffer): Buffer {
  return lines([method.toUpperCase(), url, timestamp, nonce, body]);
}

/** `<Wechatpay-Timestamp>\n<Wechatpay-Nonce>\n<body bytes>\n` — answers and notifications alike. */
export function responseSignatureMessage(timestamp: string, nonce: string, body: string | Buffer): Buffer {
  return lines([timestamp, nonce, body]);
}

/** `<appId>\n<timeStamp>\n<nonceStr>\n<package>\n` — `wx.requestPayment`'s `paySign`. */
export function jsapiSignatureMessage(appid: string, timeStamp: string, nonceStr: string, pkg: string): Buffer {
  return lines([appid, timeStamp, nonceStr, pkg]);
}

/** base64(SHA256withRSA, PKCS#1 v1.5). */
export function signSha256Rsa(privateKey: KeyObject, message: Buffer | string): string {
  return rsaSign('sha256', typeof message === 'string' ? Buffer.from(message, 'utf8') : message, privateKey).toString('base64');
}

export function verifySha256Rsa(publicKey: KeyObject, message: Buffer | string, signature: string): boolean {
  if (signature.startsWith(SIGNTEST_PREFIX)) return false;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return rsaVerify('sha256', typeof message === 'string' ? Buffer.from(message, 'utf8') : message, publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
