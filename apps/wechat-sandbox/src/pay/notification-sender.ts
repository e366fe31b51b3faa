import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { encryptResource } from '@wxgate/wechatpay';
import type { Clock } from '@wxgate/platform';
import type { Knobs } from '../knobs.js';
import { beijingTime, type Merchant } from './pay-store.js';
import type { AnswerSigner } from './answer-signer.js';

/** WeChat Pay's re-send delays after a failed notification (about 24 h in all). */
export const RESEND_SCHEDULE_S = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];

export interface Delivery {
  id: string;
  mchid: string;
  eventType: string;
  url: string;
  attempts: number;
  delivered: boolean;
  /** HTTP status or failure of the last attempt. */
  lastResult?: string;
}

export interface NotificationInput {
  eventType: string;
  summary: string;
  originalType: string;
  url: string;
  plaintext: object;
}

/**
 * Sends signed, encrypted notifications the way WeChat Pay does: same `id` on every attempt, a
 * fresh signature each time, 200/204 within the time-out means received, anything else is re-sent
 * on WeChat Pay's schedule multiplied by the `payNotifyScale` knob (tests compress 24 h to ms).
 */
export class NotificationSender {
  readonly #deliveries = new Map<string, Delivery>();
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly clock: Clock,
    private readonly knobs: Knobs,
    private readonly signer: AnswerSigner,
  ) {}

  send(merchant: Merchant, input: NotificationInput): Delivery {
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      create_time: beijingTime(this.clock.now()),
      resource_type: 'encrypt-resource',
      event_type: input.eventType,
      summary: input.summary,
      resource: encryptResource(merchant.apiV3Key, JSON.stringify(input.plaintext), { associatedData: input.originalType, originalType: input.originalType }),
    });
    const delivery: Delivery = { id, mchid: merchant.mchid, eventType: input.eventType, url: input.url, attempts: 0, delivered: false };
    this.#deliveries.set(id, delivery);
    void this.#attempt(merchant, delivery, body);
    return delivery;
  }

  /** A WECHATPAY/SIGNTEST/ probe: a notification whose signature must fail verification. */
  async probe(merchant: Merchant, url: string): Promise<{ status: number }> {
    const body = JSON.stringify({ id: randomUUID(), event_type: 'TRANSACTION.SUCCESS', resource_type: 'encrypt-resource', summary: 'probe', resource: {} });
    const headers = await this.signer.headers(merchant, body);
    headers['wechatpay-signature'] = `WECHATPAY/SIGNTEST/${headers['wechatpay-signature']}`;
    const res = await request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(this.knobs.callbackTimeoutMs) });
    await res.body.dump();
    return { status: res.statusCode };
  }

  async #attempt(merchant: Merchant, delivery: Delivery, body: string): Promise<void> {
    delivery.attempts++;
    try {
      const headers = await this.signer.headers(merchant, body);
      const res = await request(delivery.url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Mozilla/4.0 (wechatpay-sandbox)' },
        body,
        signal: AbortSignal.timeout(this.knobs.callbackTimeoutMs),
      });
      await res.body.dump();
      delivery.lastResult = `HTTP ${res.statusCode}`;
      if (res.statusCode === 200 || res.statusCode === 204) {
        delivery.delivered = true;
        return;
      }
    } catch (e) {
      delivery.lastResult = (e as Error).message;
    }
    const delayS = RESEND_SCHEDULE_S[delivery.attempts - 1];
    if (delayS === undefined) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(merchant, delivery, body);
    }, delayS * 1000 * this.knobs.payNotifyScale);
    timer.unref();
    this.#timers.add(timer);
  }

  list(): Delivery[] {
    return [...this.#deliveries.values()];
  }

  get(id: string): Delivery | undefined {
    return this.#deliveries.get(id);
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  clear(): void {
    this.close();
    this.#deliveries.clear();
  }
}
