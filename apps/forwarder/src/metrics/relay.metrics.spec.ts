import { Histogram, Registry } from 'prom-client';
import { Metrics } from '@wxgate/platform';
import { RelayMetrics } from './relay.metrics.js';

/** The series of a histogram, named alike and in one order, to compare two histograms. */
function series(values: { labels: object; value: number; metricName?: string }[]): string[] {
  return values.map((v) => JSON.stringify({ name: v.metricName?.replace(/^.*_(bucket|sum|count)$/, '$1'), labels: v.labels, value: v.value })).sort();
}

const BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

describe('RelayMetrics upstream latency', () => {
  it('exposes answered latencies exactly as prom-client observing each one would', async () => {
    const metrics = new Metrics();
    const relay = new RelayMetrics(metrics);
    const reference = new Histogram({ name: 'reference_seconds', help: 'h', labelNames: ['outcome'], buckets: BUCKETS, registers: [new Registry()] });
    const values = [0.0005, 0.002, 0.0021, 0.04, 0.04, 0.7, 3, 29.9, 31, 120];
    for (const v of values.slice(0, 4)) {
      relay.upstreamAnswered(v);
      reference.labels('answered').observe(v);
    }
    relay.upstreamFailed(0.3);
    reference.labels('failed').observe(0.3);
    const first = await metrics.registry.getSingleMetric('wxgate_forwarder_upstream_seconds')!.get();
    expect(series(first.values)).toEqual(series((await reference.get()).values));
    // Read twice: pending counts are added once, and later ones on top.
    for (const v of values.slice(4)) {
      relay.upstreamAnswered(v);
      reference.labels('answered').observe(v);
    }
    await metrics.registry.metrics();
    const second = await metrics.registry.getSingleMetric('wxgate_forwarder_upstream_seconds')!.get();
    expect(series(second.values)).toEqual(series((await reference.get()).values));
  });

  it('has no answered series before the first answer', async () => {
    const metrics = new Metrics();
    new RelayMetrics(metrics);
    const got = await metrics.registry.getSingleMetric('wxgate_forwarder_upstream_seconds')!.get();
    expect(got.values).toEqual([]);
  });
});
