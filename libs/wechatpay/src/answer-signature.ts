import type { KeyObject } from 'node:crypto';
import {
  epochSeconds,
  MAX_CLOCK_SKEW_S,
  payNonce,
  responseSignatureMessage,
  signSha256Rsa,
  SIGNTEST_PREFIX,
  verifySha256Rsa,
  WECHATPAY_SIGNATURE_TYPE,
} from './signature.js';

/** The five `Wechatpay-*` headers WeChat Pay puts on every answer and notification. */
export interface WechatpaySignatureHeaders {
  timestamp: string;
  nonce: string;
  signature: string;
  serial: string;
  signatureType?: string;
}

export const WECHATPAY_HEADERS = {
  timestamp: 'wechatpay-timestamp',
  nonce: 'wechatpay-nonce',
  signature: 'wechatpay-signature',
  serial: 'wechatpay-serial',
  signatureType: 'wechatpay-signature-type',
} as const;

type HeaderBag = Record<string, string | string[] | undefined>;

function single(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

/** Takes lower-case header names (Node's `IncomingMessage.headers`, undici's response headers). */
export function signatureHeadersFrom(headers: HeaderBag): WechatpaySignatureHeaders | undefined {
  const timestamp = single(headers, WECHATPAY_HEADERS.timestamp);
  const nonce = single(headers, WECHATPAY_HEADERS.nonce);
  const signature = single(headers, WECHATPAY_HEADERS.signature);
  const serial = single(headers, WECHATPAY_HEADERS.serial);
  if (!timestamp || !nonce || !signature || !serial) return undefined;
  return { timestamp, nonce, signature, serial, signatureType: single(headers, WECHATPAY_HEADERS.signatureType) };
}

export type AnswerVerdict =
  | { ok: true; serial: string }
  | { ok: false; failure: 'MISSING_HEADERS' | 'SIGNTEST' | 'UNKNOWN_SERIAL' | 'STALE_TIMESTAMP' | 'BAD_SIGNATURE' | 'UNSUPPORTED_TYPE'; serial?: string };

/** Looks up WeChat Pay's verification key by `Wechatpay-Serial` (a platform certificate serial or `PUB_KEY_ID_…`). */
export type KeyLookup = (serial: string) => KeyObject | undefined;

/**
 * Verifies a WeChat Pay answer or notification over its exact body bytes. `UNKNOWN_SERIAL` is
 * distinct so a caller can refetch the keys (certificate rotation) and try once more.
 */
export function verifyAnswerSignature(
  headers: WechatpaySignatureHeaders | undefined,
  body: string | Buffer,
  keys: KeyLookup,
  nowMs: number = Date.now(),
): AnswerVerdict {
  if (!headers) return { ok: false, failure: 'MISSING_HEADERS' };
  const { serial } = headers;
  if (headers.signature.startsWith(SIGNTEST_PREFIX)) return { ok: false, failure: 'SIGNTEST', serial };
  if (headers.signatureType !== undefined && headers.signatureType !== WECHATPAY_SIGNATURE_TYPE) {
    return { ok: false, failure: 'UNSUPPORTED_TYPE', serial };
  }
  if (!/^\d{1,12}$/.test(headers.timestamp) || Math.abs(Number(headers.timestamp) - nowMs / 1000) > MAX_CLOCK_SKEW_S) {
    return { ok: false, failure: 'STALE_TIMESTAMP', serial };
  }
  const key = keys(serial);
  if (!key) return { ok: false, failure: 'UNKNOWN_SERIAL', serial };
  const message = responseSignatureMessage(headers.timestamp, headers.nonce, body);
  return verifySha256Rsa(key, message, headers.signature) ? { ok: true, serial } : { ok: false, failure: 'BAD_SIGNATURE', serial };
}

/** The headers WeChat Pay (here: the sandbox) sends with a signed answer or notification. */
export function signAnswer(
  privateKey: KeyObject,
  serial: string,
  body: string | Buffer,
  opts: { timestamp?: string; nonce?: string } = {},
): Record<string, string> {
  const timestamp = opts.timestamp ?? epochSeconds();
  const nonce = opts.nonce ?? payNonce();
  return {
    [WECHATPAY_HEADERS.timestamp]: timestamp,
    [WECHATPAY_HEADERS.nonce]: nonce,
    [WECHATPAY_HEADERS.signature]: signSha256Rsa(privateKey, responseSignatureMessage(timestamp, nonce, body)),
    [WECHATPAY_HEADERS.serial]: serial,
    [WECHATPAY_HEADERS.signatureType]: WECHATPAY_SIGNATURE_TYPE,
  };
}
