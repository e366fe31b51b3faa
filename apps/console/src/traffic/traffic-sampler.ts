import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { RelayStatsReply } from '@wxgate/contracts';
import { APP_CONFIG } from '@wxgate/platform';
import { AdminClient } from '../admin/admin-client.js';
import type { ConsoleConfig } from '../config.js';

export const WINDOW_MS = 3_600_000;

/** Calls relayed during one sampling interval, summed over every forwarder replica. */
export interface TrafficSample {
  at: number;
  /** By wxgate reason; `""` = answered by WeChat. */
  byReason: Record<string, number>;
}

/**
 * Samples `wxgate.admin.relay.stats` every `CONSOLE_SAMPLE_INTERVAL_S` and keeps one hour of
 * per-interval deltas in a ring. Replicas report cumulative counters; a replica seen for the first
 * time is a baseline (its earlier calls have no known time) unless it started within the interval,
 * and a replica whose counters went down restarted, so its whole new count is the delta.
 */
@Injectable()
export class TrafficSampler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TrafficSampler');
  private readonly intervalMs: number;
  private readonly capacity: number;
  private readonly ring: TrafficSample[] = [];
  private readonly last = new Map<string, { at: number; byReason: Record<string, number>; total: number }>();
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;
  latest: RelayStatsReply[] = [];

  constructor(
    private readonly admin: AdminClient,
    @Inject(APP_CONFIG) config: ConsoleConfig,
  ) {
    this.intervalMs = config.CONSOLE_SAMPLE_INTERVAL_S * 1000;
    this.capacity = Math.ceil(WINDOW_MS / this.intervalMs);
  }

  onApplicationBootstrap(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
  }

  get sampleIntervalMs(): number {
    return this.intervalMs;
  }

  /** The samples of the last hour, oldest first. */
  samples(): TrafficSample[] {
    const since = Date.now() - WINDOW_MS;
    return this.ring.filter((s) => s.at >= since);
  }

  /** Calls over the last hour by reason. */
  lastHour(): { total: number; byReason: Record<string, number> } {
    const byReason: Record<string, number> = {};
    let total = 0;
    for (const sample of this.samples()) {
      for (const [reason, n] of Object.entries(sample.byReason)) {
        byReason[reason] = (byReason[reason] ?? 0) + n;
        total += n;
      }
    }
    return { total, byReason };
  }

  sample(): Promise<void> {
    const sampling = (this.sampling ??= this.admin
      .relayStats()
      .then((replies) => void this.record(replies, Date.now()))
      .catch((err: unknown) => this.logger.warn(`relay stats sample failed: ${String(err)}`))
      .finally(() => (this.sampling = undefined)));
    return sampling;
  }

  /** Adds one sample from the replicas' replies (public for unit tests). */
  record(replies: RelayStatsReply[], at: number): TrafficSample {
    const byReason: Record<string, number> = {};
    const add = (reason: string, n: number) => {
      if (n > 0) byReason[reason] = (byReason[reason] ?? 0) + n;
    };
    for (const reply of replies) {
      if (typeof reply?.instance !== 'string' || typeof reply.calls?.total !== 'number') continue;
      const previous = this.last.get(reply.instance);
      const current = reply.calls.byReason ?? {};
      if (!previous) {
        if (reply.uptimeS * 1000 <= this.intervalMs) for (const [reason, n] of Object.entries(current)) add(reason, n);
      } else if (reply.calls.total < previous.total) {
        for (const [reason, n] of Object.entries(current)) add(reason, n);
      } else {
        for (const [reason, n] of Object.entries(current)) add(reason, n - (previous.byReason[reason] ?? 0));
      }
      this.last.set(reply.instance, { at, byReason: { ...current }, total: reply.calls.total });
    }
    // Replicas silent for a whole window are gone.
    for (const [instance, seen] of this.last) if (at - seen.at > WINDOW_MS) this.last.delete(instance);
    this.latest = replies.filter((r) => typeof r?.instance === 'string').sort((a, b) => a.envId.localeCompare(b.envId) || a.instance.localeCompare(b.instance));
    const sample = { at, byReason };
    this.ring.push(sample);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    return sample;
  }
}
