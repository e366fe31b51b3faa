import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@wxgate/platform';
import { buildConnector, Pool } from 'undici';
import type { ForwarderConfig } from '../config.js';
import { RelayMetrics } from '../metrics/relay.metrics.js';
import { Deadlines } from './deadlines.js';
import { UpstreamExchange, type AnswerSink, type ExchangeLimits, type UpstreamAnswer } from './upstream-exchange.js';

/** Marks errors raised while connecting (DNS, refused, TLS handshake, connect timeout). */
const CONNECT_FAILED = Symbol('wxgate.connectFailed');
/** After a connection failure the backup is tried first for this long. */
const PRIMARY_BACKOFF_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** undici's own header timer is only a backstop: its timers tick coarsely (~0.5 s). */
const BACKSTOP_MS = 1_000;

export interface UpstreamOrigin {
  pool: Pool;
  label: 'primary' | 'backup';
}

/** A request body that may be sent again only if nothing was read from it the first time. */
export interface ReplayableBody {
  readonly pulled: number;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Path and query, as sent. */
  path: string;
  /**
   * Flat `[name, value, …]` list without `Host`: undici writes the `Host` of the origin it sends
   * to (by name, from the pool's origin), so a failover carries the backup's.
   */
  headers: string[];
  body: Buffer | (AsyncIterable<Buffer> & ReplayableBody) | undefined;
}

export interface UpstreamResult {
  answer: UpstreamAnswer;
  /** The backup origin gave the answer. */
  failover: boolean;
}

/** One send under way: `result` settles as documented on `UpstreamClient.send`; `abort` stops it (the caller went away). */
export class UpstreamCall {
  result!: Promise<UpstreamResult>;
  /** @internal the exchange with the origin being tried. */
  exchange?: UpstreamExchange = undefined;
  /** @internal set once aborted: no further origin is tried. */
  aborted?: Error = undefined;

  abort(err: Error): void {
    this.aborted ??= err;
    this.exchange?.abort(err);
  }
}

export class UpstreamUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamUnreachableError';
  }
}

export function isConnectFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[CONNECT_FAILED] === true;
}

/**
 * WeChat through keep-alive undici pools: `WECHAT_API_BASE`, and `WECHAT_API_BACKUP` for
 * connection failures before any byte was sent (docs/http-behaviour.md step 9). These are the only hosts wxgate
 * ever sends to.
 */
@Injectable()
export class UpstreamClient implements OnApplicationShutdown {
  private readonly origins: UpstreamOrigin[];
  private readonly deadlines: Deadlines;
  private primaryDownUntil = 0;
  /** One callback for every exchange (no closure per call). */
  private readonly answered = (exchange: UpstreamExchange): void => this.metrics.upstreamAnswered((performance.now() - exchange.started) / 1000);

  constructor(
    @Inject(APP_CONFIG) config: ForwarderConfig,
    private readonly metrics: RelayMetrics,
  ) {
    this.deadlines = new Deadlines(config.UPSTREAM_TIMEOUT_MS);
    this.origins = [origin(config.WECHAT_API_BASE, 'primary', config.UPSTREAM_TIMEOUT_MS)];
    if (config.WECHAT_API_BACKUP) this.origins.push(origin(config.WECHAT_API_BACKUP, 'backup', config.UPSTREAM_TIMEOUT_MS));
  }

  /**
   * Sends `request`; on a connection failure (nothing sent) tries the other origin. `result`
   * resolves with WeChat's answer (buffered, or already streaming into `sink`) and whether the
   * backup gave it; rejects with UpstreamUnreachableError when no origin could be reached,
   * UpstreamTimeoutError, ResponseTooLargeError, or undici's error otherwise (e.g. a reset after
   * sending).
   */
  send(request: UpstreamRequest, sink: AnswerSink, limits: ExchangeLimits): UpstreamCall {
    const call = new UpstreamCall();
    call.result = this.run(call, request, sink, limits);
    return call;
  }

  private async run(call: UpstreamCall, request: UpstreamRequest, sink: AnswerSink, limits: ExchangeLimits): Promise<UpstreamResult> {
    const order = this.origins.length > 1 && Date.now() < this.primaryDownUntil ? [this.origins[1]!, this.origins[0]!] : this.origins;
    let failures: string[] | undefined;
    for (let i = 0; i < order.length; i++) {
      const target = order[i]!;
      if (i > 0) {
        if (call.aborted || (request.body !== undefined && !Buffer.isBuffer(request.body) && request.body.pulled > 0)) break;
        this.metrics.failovers.inc();
      }
      const exchange = new UpstreamExchange(sink, limits, this.deadlines, this.answered);
      call.exchange = exchange;
      if (call.aborted) exchange.abort(call.aborted);
      target.pool.dispatch({ method: request.method, path: request.path, headers: request.headers, body: request.body as Buffer | undefined }, exchange);
      try {
        return { answer: await exchange.answer, failover: target.label === 'backup' };
      } catch (err) {
        this.metrics.upstreamFailed((performance.now() - exchange.started) / 1000);
        if (!isConnectFailure(err)) throw err;
        if (target.label === 'primary') this.primaryDownUntil = Date.now() + PRIMARY_BACKOFF_MS;
        (failures ??= []).push(`${target.label}: ${describe(err)}`);
      }
    }
    if (call.aborted) throw call.aborted;
    throw new UpstreamUnreachableError(`WeChat unreachable (${(failures ?? []).join('; ')})`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.origins.map((o) => o.pool.close().catch(() => undefined)));
  }
}

function origin(base: string, label: UpstreamOrigin['label'], timeoutMs: number): UpstreamOrigin {
  const url = new URL(base);
  const connect = buildConnector({ timeout: CONNECT_TIMEOUT_MS, keepAlive: true });
  const pool = new Pool(url.origin, {
    connect: (options, callback) =>
      connect(options, (err, socket) => {
        if (err) (err as unknown as Record<symbol, unknown>)[CONNECT_FAILED] = true;
        callback(err as Error, socket as never);
      }),
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: timeoutMs + BACKSTOP_MS,
    bodyTimeout: timeoutMs,
  });
  return { pool, label };
}

function describe(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const { code, message } = err as { code?: string; message?: string };
  return code ? `${code}` : (message ?? 'connection failed');
}
