import { Injectable } from '@nestjs/common';
import { flushPending, Metrics, PendingCount } from '@wxgate/platform';
import { Counter } from 'prom-client';

/**
 * Who used the relay: connections refused by source address (labelled by port only, never by
 * address), and calls by authenticated caller name (names are few: the environment's caller list).
 */
@Injectable()
export class CallerMetrics {
  private readonly refusedHttp = new PendingCount(['http']);
  private readonly refusedHttps = new PendingCount(['https']);
  private readonly byCaller = new Map<string, PendingCount>();
  private readonly rejections: Counter<'reason'>;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    const refused = [this.refusedHttp, this.refusedHttps];
    const byCaller = this.byCaller;
    new Counter({
      name: 'wxgate_forwarder_refused_connections_total',
      help: 'Connections closed on accept because the source address is outside RELAY_ALLOW_CIDRS, by port (http, https)',
      labelNames: ['port'],
      registers,
      collect() {
        flushPending(this, refused);
      },
    });
    new Counter({
      name: 'wxgate_forwarder_caller_calls_total',
      help: 'Relayed calls by the caller credential that authenticated them (environments with callers only)',
      labelNames: ['caller'],
      registers,
      collect() {
        flushPending(this, byCaller.values());
      },
    });
    this.rejections = new Counter({
      name: 'wxgate_forwarder_caller_rejections_total',
      help: 'Requests and tunnels refused for a missing or wrong caller credential (missing, wrong)',
      labelNames: ['reason'],
      registers,
    });
  }

  refused(port: 'http' | 'https'): void {
    (port === 'http' ? this.refusedHttp : this.refusedHttps).inc();
  }

  /** `name` must be an authenticated caller's: a presented but unknown name would be unbounded. */
  called(name: string): void {
    let count = this.byCaller.get(name);
    if (!count) {
      count = new PendingCount([name]);
      this.byCaller.set(name, count);
    }
    count.inc();
  }

  rejected(reason: 'missing' | 'wrong'): void {
    this.rejections.labels(reason).inc();
  }
}
