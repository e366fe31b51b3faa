import { createHash } from 'node:crypto';
import { APPID_PATTERN, Subjects, WechatEvent } from '@wxgate/contracts';
import { msgSignature, parseWechatXml, safeEqual, WechatCryptoError, WechatMsgCrypt, wechatMessageToEvent } from '@wxgate/wechat';
import type { CallbackKeys, CallbackKeyStore } from './callback-keys.js';
import type { SeenPushes } from './seen-pushes.js';

/** docs/http-behaviour.md: WeChat's pushes are small; anything bigger is not a push. */
export const MAX_CALLBACK_BODY_BYTES = 64 * 1024;
/** docs/http-behaviour.md: timestamps further than this from now, either way, are refused; also the replay window. */
export const CALLBACK_WINDOW_MS = 10 * 60 * 1000;

const DECLARATION = /<!\s*(doctype|entity)/i;
const TIMESTAMP = /^\d{1,12}$/;
/** InfoType becomes a NATS subject token: no dots, wildcards or spaces. */
const INFO_TYPE = /^[A-Za-z0-9_-]{1,64}$/;

export interface CallbackRequest {
  /** Query parameters of the push (`timestamp`, `nonce`, `msg_signature`, …). */
  query: URLSearchParams;
  /** The raw bytes as received (or already-decoded text, in unit tests). */
  body: Buffer | string;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export type CallbackRejection =
  | 'body_too_large'
  | 'malformed_envelope'
  | 'declaration_refused'
  | 'missing_encrypt'
  | 'unknown_appid'
  | 'bad_timestamp'
  | 'bad_signature'
  | 'bad_padding'
  | 'decrypt_failed'
  | 'wrong_appid'
  | 'malformed_message'
  | 'missing_info_type'
  | 'key_store_unavailable'
  | 'invalid_keys'
  | 'publish_failed';

const REJECTION_STATUS: Record<CallbackRejection, number> = {
  body_too_large: 413,
  malformed_envelope: 400,
  declaration_refused: 400,
  missing_encrypt: 400,
  unknown_appid: 400,
  bad_timestamp: 401,
  bad_signature: 401,
  bad_padding: 400,
  decrypt_failed: 400,
  wrong_appid: 400,
  malformed_message: 400,
  missing_info_type: 400,
  // Ours, not the sender's: a 5xx makes WeChat push again later.
  key_store_unavailable: 503,
  invalid_keys: 500,
  publish_failed: 503,
};

export type CallbackResult =
  | { ok: true; outcome: 'published' | 'duplicate'; componentAppid: string; infoType?: string; subject?: string; msgId: string }
  | { ok: false; status: number; reason: CallbackRejection; componentAppid?: string; infoType?: string };

/** Where accepted events go (EventPublisher in the app; a fake in unit tests). */
export interface CallbackEventSink {
  publish(subject: string, body: unknown, msgId: string): Promise<unknown>;
}

export interface ReceiveCallbackDeps {
  keys: CallbackKeyStore;
  sink: CallbackEventSink;
  seen: SeenPushes;
  /** Epoch ms. */
  now: () => number;
}

/**
 * The JetStream message id of a push: the same for every re-send of it (WeChat re-sends the
 * same timestamp, nonce, signature and body), different for every other push of the component.
 */
export function callbackMsgId(componentAppid: string, signature: string, nonce: string): string {
  const digest = createHash('sha256').update(`${componentAppid}\n${signature}\n${nonce}`).digest('hex').slice(0, 40);
  return `wechat-callback.${componentAppid}.${digest}`;
}

function reject(reason: CallbackRejection, componentAppid?: string, infoType?: string): CallbackResult {
  return { ok: false, status: REJECTION_STATUS[reason], reason, componentAppid, infoType };
}

/**
 * docs/http-behaviour.md, in this order: size → envelope → component → timestamp → signature → decrypt → inner
 * message → publish. Nothing reaches AES before the signature has passed, and nothing of a
 * rejected push is published.
 */
export class ReceiveCallback {
  constructor(private readonly deps: ReceiveCallbackDeps) {}

  async execute(request: CallbackRequest): Promise<CallbackResult> {
    // The limit is in bytes as received; decoding first would count each invalid byte three times.
    const size = typeof request.body === 'string' ? Buffer.byteLength(request.body, 'utf8') : request.body.length;
    if (size > MAX_CALLBACK_BODY_BYTES) return reject('body_too_large');
    let body: string;
    try {
      body = typeof request.body === 'string' ? request.body : UTF8.decode(request.body);
    } catch {
      return reject('malformed_envelope');
    }

    if (DECLARATION.test(body)) return reject('declaration_refused');
    let envelope: Record<string, string>;
    try {
      envelope = parseWechatXml(body);
    } catch {
      return reject('malformed_envelope');
    }
    // Authorization-event pushes carry <AppId>; message pushes relayed to the same URL carry <ToUserName>.
    const componentAppid = (envelope.AppId ?? envelope.ToUserName ?? '').trim();
    const encrypt = envelope.Encrypt;
    if (!encrypt) return reject('missing_encrypt', componentAppid || undefined);
    if (!APPID_PATTERN.test(componentAppid)) return reject('unknown_appid');

    let keys: CallbackKeys | undefined;
    try {
      keys = await this.deps.keys.keysFor(componentAppid);
    } catch {
      return reject('key_store_unavailable', componentAppid);
    }
    if (!keys || keys.encodingAesKeys.length === 0) return reject('unknown_appid', componentAppid);

    const now = this.deps.now();
    const timestamp = request.query.get('timestamp') ?? '';
    if (!TIMESTAMP.test(timestamp) || Math.abs(Number(timestamp) * 1000 - now) > CALLBACK_WINDOW_MS) {
      return reject('bad_timestamp', componentAppid);
    }
    const nonce = request.query.get('nonce') ?? '';
    const signature = request.query.get('msg_signature') ?? '';
    if (!nonce || !signature || !safeEqual(msgSignature(keys.token, timestamp, nonce, encrypt), signature)) {
      return reject('bad_signature', componentAppid);
    }

    const seenKey = `${componentAppid}\n${signature}\n${nonce}`;
    const msgId = callbackMsgId(componentAppid, signature, nonce);
    if (this.deps.seen.has(seenKey, now)) return { ok: true, outcome: 'duplicate', componentAppid, msgId };

    let crypt: WechatMsgCrypt;
    try {
      crypt = new WechatMsgCrypt({ token: keys.token, encodingAesKeys: keys.encodingAesKeys, appid: componentAppid });
    } catch {
      return reject('invalid_keys', componentAppid);
    }
    let plaintext: string;
    try {
      plaintext = crypt.decrypt(encrypt);
    } catch (e) {
      if (e instanceof WechatCryptoError && e.code === 'BAD_APPID') return reject('wrong_appid', componentAppid);
      if (e instanceof WechatCryptoError && e.code === 'BAD_PADDING') return reject('bad_padding', componentAppid);
      return reject('decrypt_failed', componentAppid);
    }

    let message: Record<string, string>;
    try {
      message = parseWechatXml(plaintext);
    } catch {
      return reject('malformed_message', componentAppid);
    }
    const infoType = message.InfoType?.trim();
    if (!infoType || !INFO_TYPE.test(infoType)) return reject('missing_info_type', componentAppid);
    // The trailing appid already proved the sender; a message naming another component is not ours.
    if (message.AppId?.trim() !== componentAppid) return reject('wrong_appid', componentAppid, infoType);
    const event = wechatMessageToEvent({ ...message, AppId: componentAppid, InfoType: infoType });
    // What consumers will parse (CreateTime a number, …): refused here rather than poisoning the stream.
    if (!WechatEvent.safeParse(event).success) return reject('malformed_message', componentAppid, infoType);

    const subject = Subjects.events.wechat(componentAppid, infoType);
    try {
      await this.deps.sink.publish(subject, event, msgId);
    } catch {
      return reject('publish_failed', componentAppid, infoType);
    }
    this.deps.seen.add(seenKey, now);
    return { ok: true, outcome: 'published', componentAppid, infoType, subject, msgId };
  }
}
