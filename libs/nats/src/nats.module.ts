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
const NATS_CONFIG = Symbol('NATS_CONFIG');
export const INSTANCE_ID = randomUUID().slice(0, 8);

/** How long a publish with a message id keeps retrying while the stream has no leader. */
const PUBLISH_BUDGET_MS = 4_000;
const PUBLISH_ATTEMPT_MS = 1_500;
/** How long a broadcast waits for the server to have taken it (it never waits for the stream). */
const BROADCAST_FLUSH_MS = 2_000;
/** Attempts to store a broadcast's copy in the stream, 1 s apart and doubling: inside the 2-minute duplicate window. */
const BROADCAST_STORE_ATTEMPTS = 6;

/** Publishes events to WXGATE_EVENTS (core subscribers hear them as well). */
@Injectable()
export class EventPublisher {
  private readonly logger = new Logger('EventPublisher');
  private readonly js: JetStreamClient;
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {
    this.js = jetstream(nc);
  }

  /**
   * A durable event: resolves once the stream has stored it. `msgId` deduplicates within the
   * stream's 2-minute window, which makes a retry safe: while a cluster elects a new stream leader
   * (seconds), a publish with an id is retried until PUBLISH_BUDGET_MS has passed, so a WeChat
   * callback can still be answered within WeChat's 5 s.
   */
  async publish(subject: string, body: unknown, msgId?: string): Promise<{ duplicate: boolean }> {
    const data = encodeJson(body);
    if (!msgId) return { duplicate: (await this.js.publish(subject, data)).duplicate };
    const deadline = Date.now() + PUBLISH_BUDGET_MS;
    for (;;) {
      const left = deadline - Date.now();
      try {
        const ack = await this.js.publish(subject, data, { msgID: msgId, timeout: Math.max(250, Math.min(PUBLISH_ATTEMPT_MS, left)) });
        return { duplicate: ack.duplicate };
      } catch (err) {
        if (Date.now() + 250 >= deadline || this.nc.isClosed()) throw err;
        await new Promise((r) => setTimeout(r, 100).unref());
      }
    }
  }

  /**
   * A cache-invalidation event whose subscribers must hear it now, whether or not the stream can
   * store it at this moment (its leader may be failing over). Resolves once the NATS server has
   * the message; the stream's copy is confirmed in the background, retried with the same message
   * id (so the stream keeps one copy), and logged when it cannot be stored. Subscribers may hear a
   * retried copy twice: broadcasts must be idempotent.
   */
  async broadcast(subject: string, body: unknown): Promise<void> {
    const data = encodeJson(body);
    const msgID = randomUUID();
    const store = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.js.publish(subject, data, { msgID });
          return;
        } catch (err) {
          if (attempt >= BROADCAST_STORE_ATTEMPTS || this.nc.isClosed()) {
            this.logger.warn(`${subject} was broadcast but not stored in the stream after ${attempt} attempt(s): ${(err as Error).message}`);
            return;
          }
          await new Promise((r) => setTimeout(r, 1_000 * 2 ** (attempt - 1)).unref());
        }
      }
    };
    void store();
    await Promise.race([this.nc.flush().catch(() => undefined), new Promise((r) => setTimeout(r, BROADCAST_FLUSH_MS).unref())]);
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
    @Inject(NATS_CONFIG) private readonly config: NatsConfig,
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
    await ensureEventsStream(this.nc, this.config.WXGATE_STREAM_REPLICAS ?? 1);
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
        { provide: NATS_CONFIG, useValue: config },
        { provide: NATS_CONNECTION, useFactory: () => connect(natsConnectionOptions(config, `wxgate-${app}-${INSTANCE_ID}`)) },
        EventPublisher,
        NatsLifecycle,
      ],
      exports: [NATS_CONNECTION, EventPublisher],
    };
  }
}
