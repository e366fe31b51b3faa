import type { KeyObject } from 'node:crypto';
import {
  epochSeconds,
  payNonce,
  requestSignatureMessage,
  signSha256Rsa,
  verifySha256Rsa,
  WECHATPAY_SIGNATURE_TYPE,
  MAX_CLOCK_SKEW_S,
} from './signature.js';

export interface MerchantSigner {
  mchid: string;
  /** The merchant API certificate's serial number. */
  serialNo: string;
  privateKey: KeyObject;
}

export interface SignableRequest {
  method: string;
  /** Path plus `?query`, exactly as it goes on the wire. */
  url: string;
  /** Exact bytes sent; empty for GET. */
  body: string | Buffer;
}

export interface AuthorizationParams {
  mchid: string;
  nonceStr: string;
  signature: string;
  timestamp: string;
  serialNo: string;
}

/** The `Authorization` header of one WeChat Pay API v3 request. */
export function buildAuthorization(
  signer: MerchantSigner,
  request: SignableRequest,
  opts: { timestamp?: string; nonce?: string } = {},
): string {
  const timestamp = opts.timestamp ?? epochSeconds();
  const nonce = opts.nonce ?? payNonce();
  const signature = signSha256Rsa(signer.privateKey, requestSignatureMessage(request.method, request.url, timestamp, nonce, request.body));
  return formatAuthorization({ mchid: signer.mchid, nonceStr: nonce, signature, timestamp, serialNo: signer.serialNo });
}

export function formatAuthorization(p: AuthorizationParams): string {
  return (
    `${WECHATPAY_SIGNATURE_TYPE} mchid="${p.mchid}",nonce_str="${p.nonceStr}",signature="${p.signature}",` +
    `timestamp="${p.timestamp}",serial_no="${p.serialNo}"`
  );
}

const PARAM = /([a-z_]+)="([^"]*)"/g;

/** Reads an `Authorization` header the way WeChat Pay does; `undefined` when it is not WeChat Pay's scheme or lacks a field. */
export function parseAuthorization(header: string | undefined): AuthorizationParams | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space) !== WECHATPAY_SIGNATURE_TYPE) return undefined;
  const fields = new Map<string, string>();
  for (const m of header.slice(space + 1).matchAll(PARAM)) fields.set(m[1]!, m[2]!);
  const mchid = fields.get('mchid');
  const nonceStr = fields.get('nonce_str');
  const signature = fields.get('signature');
  const timestamp = fields.get('timestamp');
  const serialNo = fields.get('serial_no');
  if (!mchid || !nonceStr || !signature || !timestamp || !serialNo) return undefined;
  return { mchid, nonceStr, signature, timestamp, serialNo };
}

export type RequestVerdict = 'ok' | 'MALFORMED' | 'STALE_TIMESTAMP' | 'BAD_SIGNATURE';

/** What WeChat Pay does with a merchant's request: the signature over the exact bytes, and a fresh timestamp. */
export function verifyRequestAuthorization(
  params: AuthorizationParams,
  request: SignableRequest,
  merchantPublicKey: KeyObject,
  nowMs: number = Date.now(),
): RequestVerdict {
  if (!/^\d{1,12}$/.test(params.timestamp)) return 'MALFORMED';
  if (Math.abs(Number(params.timestamp) - nowMs / 1000) > MAX_CLOCK_SKEW_S) return 'STALE_TIMESTAMP';
  const message = requestSignatureMessage(request.method, request.url, params.timestamp, params.nonceStr, request.body);
  return verifySha256Rsa(merchantPublicKey, message, params.signature) ? 'ok' : 'BAD_SIGNATURE';
}
