import { randomUUID } from 'node:crypto';
import { Global, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { Subjects, type PingReply } from '@wxgate/contracts';
import { APP_NAME, Readiness } from '@wxgate/platform';
import { natsConnectionOptions } from './connection-options.js';
import { ensureEventsStream } from './events-stream.js';
import type { NatsConfig } from './nats.config.js';
import { encodeJson } from './plain-json.js';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const INSTANCE_ID = randomUUID().slice(0, 8);

/** Publishes durable events to WXGATE_EVENTS (core subscribers hear them as well). */
@Injectable()
export class EventPublisher {
  private readonly js: JetStreamClient;
  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection) {
    this.js = jetstream(nc);
  }
  /** `msgId` deduplicates within the stream's 2-minute window. */
  async publish(subject: string, body: unknown, msgId?: string): Promise<{ duplicate: boolean }> {
    const ack = await this.js.publish(subject, encodeJson(body), msgId ? { msgID: msgId } : undefined);
    return { duplicate: ack.duplicate };
  }
}

/**
 * The service's own NATS connection (publishing, requests, JetStream, broadcast subscriptions),
 * beside the Nest transport that serves request-reply subjects. Ensures the events stream at start
 * and answers `wxgate.admin.ping` from every replica.
 */
@Injectable()
class NatsLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Nats');
  private connected = true;
  private ping?: Subscription;
  private readonly started = Date.now();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_NAME) private readonly app: string,
    private readonly readiness: Readiness,
  ) {}

  async onModuleInit() {
    this.readiness.register('nats', () => this.connected && !this.nc.isClosed());
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') {
          this.connected = false;
          this.logger.warn('NATS disconnected');
        } else if (status.type === 'reconnect') {
          this.connected = true;
          this.logger.log('NATS reconnected');
        }
      }
    })();
    await ensureEventsStream(this.nc);
    this.ping = this.nc.subscribe(Subjects.admin.ping, {
      callback: (_err, msg) => {
        const reply: PingReply = { app: this.app, instance: INSTANCE_ID, version: process.env.npm_package_version ?? '0.1.0', uptimeS: Math.round((Date.now() - this.started) / 1000) };
        msg.respond(encodeJson(reply));
      },
    });
  }

  async onApplicationShutdown() {
    this.ping?.unsubscribe();
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}

@Global()
@Module({})
export class NatsModule {
  static forRoot(config: NatsConfig, app: string): DynamicModule {
    return {
      module: NatsModule,
      providers: [
        { provide: NATS_CONNECTION, useFactory: () => connect(natsConnectionOptions(config, `wxgate-${app}-${INSTANCE_ID}`)) },
        EventPublisher,
        NatsLifecycle,
      ],
      exports: [NATS_CONNECTION, EventPublisher],
    };
  }
}
