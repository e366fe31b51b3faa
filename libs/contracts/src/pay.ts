/**
 * WeChat Pay without certificates: the payloads of the merchant, signing and binding subjects and
 * of the payment notification events. See docs/wechat-pay.md.
 */
import { z } from 'zod';
import { envId } from './schemas.js';

/** Merchant ids are digits; they are NATS subject tokens. */
export const MCHID_PATTERN = /^\d{1,32}$/;
export const mchid = z.string().regex(MCHID_PATTERN, 'must be a WeChat Pay merchant id (digits)');
const pem = (what: string) =>
  z
    .string()
    .max(16_384, 'is too long')
    .refine((v) => v.includes('-----BEGIN'), `must be a PEM ${what}`);
/** WeChat Pay event types become a subject token: `TRANSACTION.SUCCESS` keeps its dot, nothing else. */
export const PAY_EVENT_TYPE_PATTERN = /^[A-Z0-9_]{1,32}(\.[A-Z0-9_]{1,32}){0,3}$/;

export const MerchantPutRequest = z
  .object({
    mchid,
    serialNo: z.string().regex(/^[0-9A-Fa-f]{8,64}$/, 'must be the merchant API certificate serial number (hex)'),
    privateKey: pem('private key (apiclient_key.pem)'),
    apiV3Key: z.string().length(32, 'must be the 32-character APIv3 key'),
    publicKeyId: z.string().regex(/^PUB_KEY_ID_[A-Za-z0-9_]{1,64}$/, 'must be the WeChat Pay public key id (PUB_KEY_ID_…)').optional(),
    publicKey: pem('public key').optional(),
  })
  .refine((m) => (m.publicKeyId === undefined) === (m.publicKey === undefined), {
    message: 'publicKeyId and publicKey go together (both for public-key mode, neither for platform certificates)',
    path: ['publicKey'],
  });
export const MerchantRequest = z.object({ mchid });
export const PaySignRequest = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  url: z.string().startsWith('/v3/', 'must be the path and query of a WeChat Pay v3 call'),
  body: z.string().default(''),
});
/** `refresh: true` (extension): re-download the platform certificates first, for an unknown Wechatpay-Serial. */
export const PayKeysRequest = z.object({ refresh: z.boolean().optional() });
export const PayJsapiRequest = z.object({
  appid: z.string().regex(/^wx[A-Za-z0-9_-]{6,32}$/, 'must be a WeChat appid'),
  prepayId: z.string().min(1, 'must not be empty').max(128),
});
export const MerchantBindRequest = z.object({ envId, mchid });
/** The body of `wxgate.events.pay.<mchid>.<event_type>`. */
export const PayEvent = z.object({
  id: z.string(),
  createTime: z.string(),
  eventType: z.string(),
  summary: z.string(),
  resource: z.record(z.string(), z.unknown()),
});

export type MerchantPutRequest = z.infer<typeof MerchantPutRequest>;
export type MerchantRequest = z.infer<typeof MerchantRequest>;
export type PaySignRequest = z.infer<typeof PaySignRequest>;
export type PayKeysRequest = z.infer<typeof PayKeysRequest>;
export type PayJsapiRequest = z.infer<typeof PayJsapiRequest>;
export type MerchantBindRequest = z.infer<typeof MerchantBindRequest>;
export type PayEvent = z.infer<typeof PayEvent>;

export interface PaySignReply {
  authorization: string;
}
export interface PayKey {
  /** `PUB_KEY_ID_…` or a platform certificate serial, as WeChat Pay sends it in `Wechatpay-Serial`. */
  id: string;
  /** SPKI PEM. */
  publicKey: string;
}
export interface PayKeysReply {
  keys: PayKey[];
}
export interface JsapiPayReply {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}
export type MerchantStatus = 'ok' | 'refresh_failing' | 'no_certificates';
export interface MerchantListItem {
  kind: 'merchant';
  mchid: string;
  status: MerchantStatus;
  /** Extension: how WeChat Pay's answers are verified. */
  mode: 'public_key' | 'certificate';
}
export interface MerchantBindingsReply {
  mchids: string[];
}
export interface PayPolicyAllow {
  allowed: true;
  credential: { kind: 'merchant'; mchid: string };
}
