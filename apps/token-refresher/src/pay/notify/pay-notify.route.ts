import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { EventPublisher } from '@wxgate/nats';
import { BodyTooLarge, ClientGone, Clock, Metrics, readCapped } from '@wxgate/platform';
import { signatureHeadersFrom } from '@wxgate/wechatpay';
import { Counter, Histogram } from 'prom-client';
import type { CallbackRoute } from '../../callback/callback-routes.js';
import { MerchantRepository } from '../../persistence/merchant.repository.js';
import { MerchantKeyring } from '../merchant-keyring.js';
import { RefreshCertificates } from '../refresh-certificates.usecase.js';
import { MAX_PAY_NOTIFICATION_BYTES, ReceivePayNotification, type PayNotificationResult } from './receive-pay-notification.usecase.js';

export const PAY_NOTIFY_PREFIX = '/wechatpay/notify/';

/**
 * `POST /wechatpay/notify/<mchid>` on the callback port: the notify_url a merchant puts in its
 * orders. 204 once published; failures answer WeChat Pay's `{"code":"FAIL","message"}`.
 */
@Injectable()
export class PayNotifyRoute implements CallbackRoute {
  readonly prefix = PAY_NOTIFY_PREFIX;
  private readonly logger = new Logger('PayNotify');
  private readonly receive: ReceivePayNotification;
  private readonly requests: Counter<'outcome'>;
  private readonly duration: Histogram<'outcome'>;

  constructor(keyring: MerchantKeyring, refresh: RefreshCertificates, merchants: MerchantRepository, publisher: EventPublisher, clock: Clock, metrics: Metrics) {
    this.receive = new ReceivePayNotification({
      keys: (mchid) => keyring.get(mchid),
      refreshKeys: async (mchid) => {
        await refresh.execute(mchid, { onDemand: true });
        return keyring.get(mchid);
      },
      publish: (subject, body, msgId) => publisher.publish(subject, body, msgId),
      seen: (id) => merchants.notificationSeen(id),
      remember: (id, mchid) => merchants.recordNotification(id, mchid, clock.now()),
      now: () => clock.now(),
    });
    this.requests = new Counter({
      name: 'wxgate_pay_notifications_total',
      help: 'WeChat Pay notifications by outcome (published, duplicate, or the rejection reason)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: 'wxgate_pay_notification_duration_seconds',
      help: 'Time from a WeChat Pay notification arriving to its answer (after the JetStream ack when published)',
      labelNames: ['outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [metrics.registry],
    });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const done = (outcome: string) => {
      this.requests.inc({ outcome });
      this.duration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    const mchid = (req.url ?? '').split('?')[0]!.slice(PAY_NOTIFY_PREFIX.length);
    if (req.method !== 'POST') {
      fail(res, 405, 'method not allowed', { allow: 'POST' });
      return done('method_not_allowed');
    }
    let body: Buffer;
    try {
      if (Number(req.headers['content-length'] ?? 0) > MAX_PAY_NOTIFICATION_BYTES) throw new BodyTooLarge(MAX_PAY_NOTIFICATION_BYTES);
      body = await readCapped(req, MAX_PAY_NOTIFICATION_BYTES);
    } catch (err) {
      if (err instanceof ClientGone) return done('client_gone');
      if (!(err instanceof BodyTooLarge)) throw err;
      fail(res, 413, `notification over ${MAX_PAY_NOTIFICATION_BYTES} bytes`, { connection: 'close' });
      res.once('finish', () => req.socket.destroySoon());
      return done('body_too_large');
    }
    const result = await this.receive.execute({ mchid, headers: signatureHeadersFrom(req.headers), body });
    this.log(mchid, result);
    if (result.ok) {
      res.writeHead(204).end();
      return done(result.outcome);
    }
    fail(res, result.status, result.message);
    done(result.reason);
  }

  private log(mchid: string, result: PayNotificationResult): void {
    if (result.ok) this.logger.log(`pay notification ${result.outcome} mchid=${mchid} id=${result.id} event=${result.eventType}`);
    else if (result.status >= 500) this.logger.error(`pay notification failed: ${result.reason} mchid=${mchid}`);
    else this.logger.warn(`pay notification rejected: ${result.reason}${result.failure ? ` (${result.failure})` : ''} mchid=${mchid.slice(0, 32)}`);
  }
}

function fail(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const text = JSON.stringify({ code: 'FAIL', message });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
