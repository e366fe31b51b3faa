import { Injectable } from '@nestjs/common';
import { flushPending, Metrics, PendingCount } from '@wxgate/platform';
import { Counter, Histogram } from 'prom-client';

/** What prom-client keeps per label set of a histogram (prom-client 15, lib/histogram.js). */
interface HistogramEntry {
  labels: Record<string, string | number>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/**
 * Observations of one histogram series kept as plain per-bucket counts and added to the
 * prom-client histogram when the registry is read: prom-client's `observe()` builds a labels
 * object and hashes it on every call. Buckets as prom-client counts them: the first upper bound
 * the value does not exceed; a value above every bound only counts in `count` and `sum`.
 */
export class PendingHistogram {
  private readonly counts: number[];
  private sum = 0;
  private n = 0;

  constructor(
    private readonly bounds: readonly number[],
    private readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += value;
    this.n++;
  }

  /** Adds what was observed since the last flush to `histogram` (its series for these labels). */
  flush(histogram: Histogram<string>): void {
    if (this.n === 0) return;
    const entry = this.entry(histogram) ?? (histogram.zero(this.labels), this.entry(histogram)!);
    for (let i = 0; i < this.bounds.length; i++) {
      if (this.counts[i] === 0) continue;
      entry.bucketValues[this.bounds[i]!] = (entry.bucketValues[this.bounds[i]!] ?? 0) + this.counts[i]!;
      this.counts[i] = 0;
    }
    entry.sum += this.sum;
    entry.count += this.n;
    this.sum = 0;
    this.n = 0;
  }

  private entry(histogram: Histogram<string>): HistogramEntry | undefined {
    const entries = Object.values((histogram as unknown as { hashMap: Record<string, HistogramEntry> }).hashMap);
    return entries.find((e) => Object.keys(this.labels).every((name) => e.labels[name] === this.labels[name]));
  }
}

const UPSTREAM_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

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
  private readonly latencyAnswered = new PendingHistogram(UPSTREAM_BUCKETS, { outcome: 'answered' });

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
        flushPending(this, callCounts.values());
      },
    });
    const latencyAnswered = this.latencyAnswered;
    this.upstreamLatency = new Histogram({
      name: 'wxgate_forwarder_upstream_seconds',
      help: 'Time from sending a request upstream to its response headers',
      labelNames: ['outcome'],
      buckets: UPSTREAM_BUCKETS,
      registers,
      collect() {
        latencyAnswered.flush(this);
      },
    });
    this.cacheLookups = new Counter({
      name: 'wxgate_forwarder_cache_lookups_total',
      help: 'Policy-decision and token cache lookups',
      labelNames: ['cache', 'result'],
      registers,
      collect() {
        flushPending(this, lookups);
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
