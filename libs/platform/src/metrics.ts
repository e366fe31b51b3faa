import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** One Prometheus registry per process; apps define their metrics on `registry`. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'wxgate_' });
  }
}
