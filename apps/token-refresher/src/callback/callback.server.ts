import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BodyTooLarge, ClientGone, Metrics, readCapped } from '@wxgate/platform';
import { Counter, Histogram } from 'prom-client';
import { CALLBACK_ROUTES, type CallbackRoute } from './callback-routes.js';
import { MAX_CALLBACK_BODY_BYTES, ReceiveCallback, type CallbackResult } from './receive-callback.usecase.js';

export const CALLBACK_OPTIONS = Symbol('CALLBACK_OPTIONS');
export interface CallbackOptions {
  port: number;
  host?: string;
}

export const CALLBACK_PATH = '/wechat/callback';
/** WeChat gives up on a push after 5 s; a sender slower than this is not WeChat. */
const REQUEST_TIMEOUT_MS = 10_000;
/** How long shutdown waits for in-flight pushes before cutting connections. */
const DRAIN_MS = 2_000;

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * The path and raw query of a request target, never throwing: Node's parser accepts
 * absolute-form targets `new URL()` rejects (`http://x:99999/…`, `http://[zz]/…`), and those
 * must get the same answers as any other target, not a 500.
 */
export function splitTarget(target: string): { path: string; query: string } {
  const rest = target.replace(ABSOLUTE_FORM, '');
  const hash = rest.indexOf('#');
  const withoutFragment = hash === -1 ? rest : rest.slice(0, hash);
  const q = withoutFragment.indexOf('?');
  const path = q === -1 ? withoutFragment : withoutFragment.slice(0, q);
  return { path: path === '' ? '/' : path, query: q === -1 ? '' : withoutFragment.slice(q + 1) };
}
/**
 * The HTTP edge of the callback (docs/http-behaviour.md): routing, the body cap, the reply and the metrics; the
 * decisions are ReceiveCallback's. A plain node:http server on its own port, not Nest's
 * adapter: it faces the internet and needs nothing but one route.
 */
@Injectable()
export class CallbackServer implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Callback');
  private readonly requests: Counter<'outcome'>;
  private readonly duration: Histogram<'outcome'>;
  private server?: Server;
  private closing?: Promise<void>;

  constructor(
    @Inject(CALLBACK_OPTIONS) private readonly options: CallbackOptions,
    @Inject(ReceiveCallback) private readonly receive: ReceiveCallback,
    @Inject(Metrics) metrics: Metrics,
    @Optional() @Inject(CALLBACK_ROUTES) private readonly routes: CallbackRoute[] = [],
  ) {
    this.requests = new Counter({
      name: 'wxgate_callback_requests_total',
      help: 'WeChat callback requests by outcome (published, duplicate, or the rejection reason)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: 'wxgate_callback_request_duration_seconds',
      help: 'Time from request to reply on the WeChat callback',
      labelNames: ['outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [metrics.registry],
    });
  }

  /** The bound port (the configured one, or the one picked for port 0). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: 5_000 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.logger.error(`callback handler failed: ${err instanceof Error ? err.name : 'error'}`);
        this.requests.inc({ outcome: 'error' });
        if (!res.headersSent) this.reply(res, 500, 'error');
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`WeChat callback listening on port ${this.port} (POST ${CALLBACK_PATH})`);
  }

  /** Before NATS drains (onApplicationShutdown), so in-flight pushes can still publish. */
  beforeApplicationShutdown(): Promise<void> {
    return this.close();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.closing ??= new Promise<void>((resolve) => {
      const started = Date.now();
      const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
      server.close(() => {
        clearTimeout(cut);
        this.logger.log(`WeChat callback closed in ${Date.now() - started} ms`);
        resolve();
      });
      server.closeIdleConnections();
    });
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const done = (outcome: string) => {
      this.requests.inc({ outcome });
      this.duration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    const target = splitTarget(req.url ?? '/');
    const route = this.routes.find((r) => target.path.startsWith(r.prefix));
    if (route) return route.handle(req, res);
    if (target.path !== CALLBACK_PATH) {
      this.reply(res, 404, 'not found');
      return done('not_found');
    }
    if (req.method !== 'POST') {
      this.reply(res, 405, 'method not allowed', { allow: 'POST' });
      return done('method_not_allowed');
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    let body: Buffer;
    try {
      if (declared > MAX_CALLBACK_BODY_BYTES) throw new BodyTooLarge(MAX_CALLBACK_BODY_BYTES);
      body = await readCapped(req, MAX_CALLBACK_BODY_BYTES);
    } catch (err) {
      if (err instanceof ClientGone) return done('client_gone');
      if (!(err instanceof BodyTooLarge)) throw err;
      this.logger.warn(`callback rejected: body_too_large (over ${MAX_CALLBACK_BODY_BYTES} bytes)`);
      // The rest of the body is never read: close the connection once the answer is out.
      this.reply(res, 413, 'payload too large', { connection: 'close' });
      res.once('finish', () => req.socket.destroySoon());
      return done('body_too_large');
    }
    const result = await this.receive.execute({ query: new URLSearchParams(target.query), body });
    this.log(result);
    if (result.ok) this.reply(res, 200, 'success');
    else this.reply(res, result.status, result.reason);
    done(result.ok ? result.outcome : result.reason);
  }

  private log(result: CallbackResult): void {
    const who = `AppId=${result.componentAppid ?? '-'} InfoType=${result.infoType ?? '-'}`;
    if (result.ok && result.outcome === 'published') this.logger.log(`callback published ${who}`);
    else if (result.ok) this.logger.log(`callback duplicate answered success ${who}`);
    else if (result.status >= 500) this.logger.error(`callback failed: ${result.reason} ${who}`);
    else this.logger.warn(`callback rejected: ${result.reason} ${who}`);
  }

  private reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    // While shutting down, a kept-alive connection would hold server.close() open until the cut.
    if (this.closing) headers = { ...headers, connection: 'close' };
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }
}
