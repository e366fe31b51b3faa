import { MCHID_PATTERN, PAY_EVENT_TYPE_PATTERN, Subjects, WxgateError, type PayEvent } from '@wxgate/contracts';
import { decryptResource, isEncryptedResource, verifyAnswerSignature, type AnswerVerdict, type WechatpaySignatureHeaders } from '@wxgate/wechatpay';
import type { MerchantKeys } from '../merchant-keyring.js';

/** WeChat Pay's notifications are small; anything bigger is not one. */
export const MAX_PAY_NOTIFICATION_BYTES = 64 * 1024;

export type PayNotificationRejection =
  | 'unknown_merchant'
  | 'bad_signature'
  | 'malformed_notification'
  | 'decrypt_failed'
  | 'keys_unavailable'
  | 'publish_failed';

const STATUS: Record<PayNotificationRejection, number> = {
  unknown_merchant: 404,
  bad_signature: 401,
  malformed_notification: 400,
  decrypt_failed: 400,
  // Ours, not WeChat Pay's: a 5xx makes it re-send later.
  keys_unavailable: 500,
  publish_failed: 500,
};

const MESSAGE: Record<PayNotificationRejection, string> = {
  unknown_merchant: 'unknown merchant',
  bad_signature: 'signature verification failed',
  malformed_notification: 'not a WeChat Pay notification',
  decrypt_failed: 'resource does not decrypt',
  keys_unavailable: 'merchant keys unavailable, retry later',
  publish_failed: 'could not store the notification, retry later',
};

export type PayNotificationResult =
  | { ok: true; outcome: 'published' | 'duplicate'; id: string; eventType: string; subject: string }
  | { ok: false; status: number; reason: PayNotificationRejection; message: string; failure?: string };

export interface PayNotificationDeps {
  /** The merchant's keys; `undefined` when there is no such merchant. */
  keys(mchid: string): Promise<MerchantKeys | undefined>;
  /** Certificate mode: re-download the platform certificates (an unknown Wechatpay-Serial) and return the keys again. */
  refreshKeys(mchid: string): Promise<MerchantKeys | undefined>;
  publish(subject: string, body: PayEvent, msgId: string): Promise<unknown>;
  seen(id: string): Promise<boolean>;
  remember(id: string, mchid: string): Promise<void>;
  now(): number;
}

export interface PayNotificationRequest {
  mchid: string;
  headers: WechatpaySignatureHeaders | undefined;
  body: Buffer;
}

function reject(reason: PayNotificationRejection, failure?: string): PayNotificationResult {
  return { ok: false, status: STATUS[reason], reason, message: MESSAGE[reason], ...(failure ? { failure } : {}) };
}

/**
 * A WeChat Pay notification, in this order: merchant → signature (and its timestamp) over the
 * exact bytes → shape → decryption → publish, acknowledged only after JetStream's ack. Nothing of
 * a rejected one is published; an id published before is acknowledged without publishing again.
 */
export class ReceivePayNotification {
  constructor(private readonly deps: PayNotificationDeps) {}

  async execute(request: PayNotificationRequest): Promise<PayNotificationResult> {
    const { mchid } = request;
    if (!MCHID_PATTERN.test(mchid)) return reject('unknown_merchant');
    let keys: MerchantKeys | undefined;
    try {
      keys = await this.deps.keys(mchid);
    } catch (e) {
      if (e instanceof WxgateError && e.reason === 'CREDENTIAL_NOT_FOUND') return reject('unknown_merchant');
      return reject('keys_unavailable');
    }
    if (!keys) return reject('unknown_merchant');

    const now = this.deps.now();
    let verdict: AnswerVerdict = verifyAnswerSignature(request.headers, request.body, (s) => keys!.verification.get(s), now);
    if (!verdict.ok && verdict.failure === 'UNKNOWN_SERIAL' && keys.certificateMode) {
      const refreshed = await this.deps.refreshKeys(mchid).catch(() => undefined);
      if (refreshed) verdict = verifyAnswerSignature(request.headers, request.body, (s) => refreshed.verification.get(s), now);
    }
    if (!verdict.ok) return reject('bad_signature', verdict.failure);

    let notification: Record<string, unknown>;
    try {
      notification = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return reject('malformed_notification');
    }
    const { id, event_type: eventType, create_time: createTime, summary, resource } = notification ?? {};
    if (
      typeof id !== 'string' ||
      !/^[A-Za-z0-9_.:-]{1,128}$/.test(id) ||
      typeof eventType !== 'string' ||
      !PAY_EVENT_TYPE_PATTERN.test(eventType) ||
      !isEncryptedResource(resource)
    ) {
      return reject('malformed_notification');
    }
    let decrypted: unknown;
    try {
      decrypted = JSON.parse(decryptResource(keys.apiV3Key, resource));
    } catch {
      return reject('decrypt_failed');
    }
    if (typeof decrypted !== 'object' || decrypted === null || Array.isArray(decrypted)) return reject('decrypt_failed');

    const subject = Subjects.events.pay(mchid, eventType);
    if (await this.deps.seen(id).catch(() => false)) return { ok: true, outcome: 'duplicate', id, eventType, subject };
    const event: PayEvent = {
      id,
      createTime: typeof createTime === 'string' ? createTime : '',
      eventType,
      summary: typeof summary === 'string' ? summary : '',
      resource: decrypted as Record<string, unknown>,
    };
    try {
      await this.deps.publish(subject, event, id);
    } catch {
      return reject('publish_failed');
    }
    // JetStream deduplicates re-sends within its window; this record covers WeChat Pay's day of re-sends.
    await this.deps.remember(id, mchid).catch(() => undefined);
    return { ok: true, outcome: 'published', id, eventType, subject };
  }
}
