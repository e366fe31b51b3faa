import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry, type Counter } from 'prom-client';

/** One Prometheus registry per process; apps define their metrics on `registry`. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'wxgate_' });
  }
}

/**
 * A per-request count kept as a plain number and added to its prom-client counter when the
 * registry is read (`flushPending` in the counter's `collect`): prom-client's `inc()` hashes the
 * labels and allocates on every call, which a hot path should not pay per request.
 */
export class PendingCount {
  n = 0;
  constructor(readonly labels: readonly string[]) {}
  inc(): void {
    this.n++;
  }
}

/** Adds what each count holds to `counter` (by the count's labels, in labelNames order) and zeroes it. */
export function flushPending(counter: Counter<string>, counts: Iterable<PendingCount>): void {
  for (const count of counts) {
    if (count.n === 0) continue;
    counter.labels(...count.labels).inc(count.n);
    count.n = 0;
  }
}
