import { Injectable } from '@nestjs/common';
import { Metrics } from '@wxgate/platform';
import { Counter, Histogram } from 'prom-client';

/**
 * A per-call count kept as a plain number and added to its prom-client counter when the registry
 * is read: prom-client's `inc()` hashes the labels and allocates on every call.
 */
export class PendingCount {
  n = 0;
  constructor(readonly labels: readonly string[]) {}
  inc(): void {
    this.n++;
  }
}

export function flush(counter: Counter<string>, counts: Iterable<PendingCount>): void {
  for (const count of counts) {
    if (count.n === 0) continue;
    counter.labels(...count.labels).inc(count.n);
    count.n = 0;
  }
}

/** The forwarder's Prometheus metrics; the per-call counts cost a map lookup and an increment. */
@Injectable()
export class RelayMetrics {
  private readonly calls: Counter<'status' | 'reason'>;
  private readonly callCounts = new Map<string, PendingCount>();
  /** The counts of calls without a wxgate reason (WeChat's answers), by status: no key string per call. */
  private readonly answeredCounts: (PendingCount | undefined)[] = [];
  private readonly upstreamLatency: Histogram<'outcome'>;
  private readonly cacheLookups: Counter<'cache' | 'result'>;
  private readonly natsRequests: Counter<'subject' | 'outcome'>;
  readonly tokenRetries: Counter;
  readonly tokenInvalidations: Counter;
  readonly tokenEndpointAnswers: Counter<'endpoint' | 'outcome'>;
  readonly failovers: Counter;
  readonly policyHit = new PendingCount(['policy', 'hit']);
  readonly policyMiss = new PendingCount(['policy', 'miss']);
  readonly tokenHit = new PendingCount(['token', 'hit']);
  readonly tokenMiss = new PendingCount(['token', 'miss']);
  private readonly latencyAnswered: Histogram.Internal<'outcome'>;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    const callCounts = this.callCounts;
    const lookups = [this.policyHit, this.policyMiss, this.tokenHit, this.tokenMiss];
    this.calls = new Counter({
      name: 'wxgate_forwarder_calls_total',
      help: 'Relayed calls by HTTP status and wxgate reason ("" = answered by WeChat)',
      labelNames: ['status', 'reason'],
      registers,
      collect() {
        flush(this, callCounts.values());
      },
    });
    this.upstreamLatency = new Histogram({
      name: 'wxgate_forwarder_upstream_seconds',
      help: 'Time from sending a request upstream to its response headers',
      labelNames: ['outcome'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.cacheLookups = new Counter({
      name: 'wxgate_forwarder_cache_lookups_total',
      help: 'Policy-decision and token cache lookups',
      labelNames: ['cache', 'result'],
      registers,
      collect() {
        flush(this, lookups);
      },
    });
    this.natsRequests = new Counter({ name: 'wxgate_forwarder_nats_requests_total', help: 'NATS requests made by the forwarder (zero on a warm call)', labelNames: ['subject', 'outcome'], registers });
    this.tokenRetries = new Counter({ name: 'wxgate_forwarder_token_retries_total', help: 'Calls retried with a fresh token after WeChat rejected the injected one', registers });
    this.tokenEndpointAnswers = new Counter({
      name: 'wxgate_forwarder_token_endpoint_answers_total',
      help: 'Token-endpoint calls of SDKs answered from wxgate\'s tokens (docs/sdk.md), by endpoint and outcome (issued, rejected, reserved, unavailable)',
      labelNames: ['endpoint', 'outcome'],
      registers,
    });
    this.tokenInvalidations = new Counter({ name: 'wxgate_forwarder_token_invalidations_total', help: 'Tokens wxgate handed out (injected, or to an SDK) that WeChat rejected (40001/40014/42001) and wxgate invalidated', registers });
    this.failovers = new Counter({ name: 'wxgate_forwarder_failovers_total', help: 'Calls sent to the backup host after a connection failure', registers });
    this.latencyAnswered = this.upstreamLatency.labels('answered');
  }

  call(status: number, reason: string | undefined): void {
    if (!reason) {
      const count = this.answeredCounts[status] ?? this.callCount(status, undefined);
      count.inc();
      return;
    }
    this.callCount(status, reason).inc();
  }

  private callCount(status: number, reason: string | undefined): PendingCount {
    const key = reason ? `${status} ${reason}` : String(status);
    let count = this.callCounts.get(key);
    if (!count) {
      count = new PendingCount([String(status), reason ?? '']);
      this.callCounts.set(key, count);
      if (!reason && Number.isInteger(status) && status >= 0 && status < 1000) this.answeredCounts[status] = count;
    }
    return count;
  }

  /** Calls since start by status and reason (pending counts included), for `wxgate.admin.relay.stats`. */
  async callTotals(): Promise<{ status: string; reason: string; count: number }[]> {
    const metric = await this.calls.get();
    return metric.values.map((v) => ({ status: String(v.labels.status ?? ''), reason: String(v.labels.reason ?? ''), count: v.value }));
  }

  upstreamAnswered(seconds: number): void {
    this.latencyAnswered.observe(seconds);
  }

  upstreamFailed(seconds: number): void {
    this.upstreamLatency.labels('failed').observe(seconds);
  }

  natsRequest(subject: NatsRequestName, outcome: 'ok' | 'error' | 'unavailable'): void {
    this.natsRequests.labels(subject, outcome).inc();
  }
}

/** The `subject` label of the forwarder's NATS requests (never an appid: bounded cardinality). */
export type NatsRequestName = 'policy.check' | 'policy.callers' | 'token.get' | 'token.invalidate' | 'token.issue' | 'token.exchange';
