import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DURABLE_CONSUMERS, Subjects, WechatEvent } from '@wxgate/contracts';
import { NATS_CONNECTION, runDurableConsumer, type RunningConsumer } from '@wxgate/nats';
import { HandleTicket } from '../tickets/handle-ticket.usecase.js';
import { HandleAuthorization } from './handle-authorization.usecase.js';
import { HandleUnauthorization } from './handle-unauthorization.usecase.js';

/**
 * Processes `wxgate.events.wechat.>` from a durable JetStream consumer shared by the replicas:
 * what was published while the refresher was down is processed when it starts. Every handler is
 * idempotent, so redeliveries and replays change nothing; a handler that throws (WeChat
 * unreachable) gets the message redelivered with backoff.
 */
@Injectable()
export class WechatEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WechatEventsConsumer');
  #consumer?: RunningConsumer;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly handleTicket: HandleTicket,
    private readonly handleAuthorization: HandleAuthorization,
    private readonly handleUnauthorization: HandleUnauthorization,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.#consumer = await runDurableConsumer(this.nc, {
      durable: DURABLE_CONSUMERS.refresherWechatEvents,
      filterSubjects: [Subjects.events.wechatAll],
      handle: (subject, body) => this.handle(subject, body),
      onError: (subject, err) => this.logger.warn(`${subject} failed, will be redelivered: ${err instanceof Error ? err.message : String(err)}`),
      onRestart: (why) => this.logger.warn(`consumer re-created: ${why}`),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#consumer?.stop();
  }

  async handle(subject: string, body: unknown): Promise<void> {
    const parsed = WechatEvent.safeParse(body);
    if (!parsed.success) {
      this.logger.warn(`${subject}: not a WeChat event, skipped`);
      return;
    }
    const event = parsed.data;
    switch (event.InfoType) {
      case 'component_verify_ticket':
        if (event.ComponentVerifyTicket) await this.handleTicket.execute(event.AppId, event.ComponentVerifyTicket, event.CreateTime);
        return;
      case 'authorized':
      case 'updateauthorized':
        return this.handleAuthorization.execute(event);
      case 'unauthorized':
        return this.handleUnauthorization.execute(event);
      default:
        return;
    }
  }
}
