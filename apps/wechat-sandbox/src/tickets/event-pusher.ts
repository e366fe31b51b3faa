import { randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import { buildWechatXml, urlSignature } from '@wxgate/wechat';
import type { Clock } from '@wxgate/platform';
import type { Component } from '../accounts/account-registry.js';
import type { Knobs } from '../knobs.js';

export interface PushResult {
  /** Whether the callback answered exactly `success` (on some attempt). */
  acknowledged: boolean;
  attempts: number;
  /** The last answer or failure, for diagnosing a callback that does not acknowledge. */
  lastReply?: string;
}

/**
 * Delivers an event to a component's callback URL the way WeChat does: encrypted with the
 * component's key, signed, and re-sent unchanged (same timestamp, nonce, signature and body)
 * while the answer is not exactly `success`.
 */
export class EventPusher {
  constructor(
    private readonly clock: Clock,
    private readonly knobs: Knobs,
  ) {}

  async push(component: Component, fields: Record<string, string | number>): Promise<PushResult> {
    if (!component.callbackUrl) return { acknowledged: false, attempts: 0, lastReply: 'no callback URL' };
    const plaintext = buildWechatXml({ AppId: component.appid, CreateTime: Math.floor(this.clock.now() / 1000), ...fields });
    const encrypt = component.crypt.encrypt(plaintext);
    const timestamp = String(Math.floor(this.clock.now() / 1000));
    const nonce = String(randomInt(100_000_000, 2_000_000_000));
    const query = new URLSearchParams({
      signature: urlSignature(component.token, timestamp, nonce),
      timestamp,
      nonce,
      encrypt_type: 'aes',
      msg_signature: component.crypt.sign(timestamp, nonce, encrypt),
    });
    const url = `${component.callbackUrl}${component.callbackUrl.includes('?') ? '&' : '?'}${query}`;
    const body = buildWechatXml({ AppId: component.appid, Encrypt: encrypt });

    let lastReply: string | undefined;
    const attemptsAllowed = 1 + this.knobs.pushRetries;
    for (let attempt = 1; attempt <= attemptsAllowed; attempt++) {
      if (attempt > 1) await delay(this.knobs.pushRetryDelayMs);
      try {
        const res = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'text/xml', 'user-agent': 'Mozilla/4.0 (wechat-sandbox)' },
          body,
          signal: AbortSignal.timeout(this.knobs.callbackTimeoutMs),
        });
        const text = await res.body.text();
        if (res.statusCode === 200 && text === 'success') return { acknowledged: true, attempts: attempt };
        lastReply = `HTTP ${res.statusCode}: ${text.slice(0, 200)}`;
      } catch (e) {
        lastReply = (e as Error).message;
      }
    }
    return { acknowledged: false, attempts: attemptsAllowed, lastReply };
  }
}
