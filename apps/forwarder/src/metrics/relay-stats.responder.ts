import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { Subjects, type RelayStatsReply } from '@wxgate/contracts';
import { encodeJson, INSTANCE_ID, NATS_CONNECTION } from '@wxgate/nats';
import { APP_CONFIG } from '@wxgate/platform';
import type { ForwarderConfig } from '../config.js';
import { RelayMetrics } from './relay.metrics.js';

/**
 * Answers `wxgate.admin.relay.stats` from every replica (no queue group) with the same call
 * counters `/metrics` shows, so an operator console can chart traffic without scraping each
 * replica's admin port (see docs/console.md).
 */
@Injectable()
export class RelayStatsResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RelayStats');
  private readonly started = Date.now();
  private sub?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: ForwarderConfig,
    private readonly metrics: RelayMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.sub = this.nc.subscribe(Subjects.admin.relayStats, {
      callback: (err, msg) => {
        if (err || !msg.reply) return;
        this.stats().then(
          (reply) => msg.respond(encodeJson(reply)),
          (cause: unknown) => this.logger.warn(`relay stats not answered: ${String(cause)}`),
        );
      },
    });
  }

  onApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }

  async stats(): Promise<RelayStatsReply> {
    const byReason: Record<string, number> = {};
    const byStatus: Record<string, number> = {};
    let total = 0;
    for (const { status, reason, count } of await this.metrics.callTotals()) {
      total += count;
      byReason[reason] = (byReason[reason] ?? 0) + count;
      byStatus[status] = (byStatus[status] ?? 0) + count;
    }
    const now = Date.now();
    return { app: 'forwarder', instance: INSTANCE_ID, envId: this.config.ENV_ID, at: now, uptimeS: Math.round((now - this.started) / 1000), calls: { total, byReason, byStatus } };
  }
}
