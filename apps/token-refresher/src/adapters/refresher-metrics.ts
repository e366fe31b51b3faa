import { Injectable } from '@nestjs/common';
import type { CredentialKind } from '@wxgate/contracts';
import { flushPending, Metrics, PendingCount } from '@wxgate/platform';
import { Counter } from 'prom-client';

export type RefreshOutcome = 'ok' | 'failed';

/** The refresher's Prometheus counters. Labels hold kinds, endpoints and errcodes, never a secret. */
@Injectable()
export class RefresherMetrics {
  readonly #refreshes: Counter<'kind' | 'outcome'>;
  readonly #wechatCalls: Counter<'endpoint' | 'errcode'>;
  /** Counted per token served, added to `wxgate_tokens_served_total` when the metrics are read. */
  readonly #servedByKind: Record<CredentialKind, PendingCount> = { component: new PendingCount(['component']), authorizer: new PendingCount(['authorizer']), app: new PendingCount(['app']) };

  constructor(metrics: Metrics) {
    this.#refreshes = new Counter({
      name: 'wxgate_token_refreshes_total',
      help: 'Token refreshes by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers: [metrics.registry],
    });
    this.#wechatCalls = new Counter({
      name: 'wxgate_wechat_calls_total',
      help: 'Calls to WeChat by endpoint and errcode (-2: no usable answer)',
      labelNames: ['endpoint', 'errcode'],
      registers: [metrics.registry],
    });
    const served = Object.values(this.#servedByKind);
    // Registered on the registry, which reads it (and so flushes the counts) at every scrape.
    new Counter({
      name: 'wxgate_tokens_served_total',
      help: 'Tokens handed out over NATS by kind',
      labelNames: ['kind'],
      registers: [metrics.registry],
      collect() {
        flushPending(this, served);
      },
    });
  }

  refresh(kind: CredentialKind, outcome: RefreshOutcome): void {
    this.#refreshes.inc({ kind, outcome });
  }
  wechatCall(endpoint: string, errcode: number): void {
    this.#wechatCalls.inc({ endpoint, errcode: String(errcode) });
  }
  /** Once per token served: a plain increment (no label hashing, no allocation). */
  served(kind: CredentialKind): void {
    this.#servedByKind[kind].inc();
  }
}
