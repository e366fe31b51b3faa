import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { isReservedPath, Reason, REASON_ERRCODE, WxgateError, type PolicyAllow, type TokenParam } from '@wxgate/contracts';
import { APP_CONFIG } from '@wxgate/platform';
import { isTokenRejection, needsComponentAppidParam } from '@wxgate/wechat';
import type { Dispatcher } from 'undici';
import { AccessLog, type CallRecord } from '../access-log/access-log.js';
import type { ForwarderConfig } from '../config.js';
import { PolicyDecisions } from '../decisions/policy-decisions.js';
import { RelayMetrics } from '../metrics/relay.metrics.js';
import { TokenCache, type CachedToken } from '../tokens/token-cache.js';
import { CallAbort } from '../upstream/call-abort.js';
import { UpstreamClient, UpstreamTimeoutError, UpstreamUnreachableError } from '../upstream/upstream.client.js';
import { peerAddress, callerResponseHeaders, upstreamRequestHeaders } from './relay-headers.js';
import { sendRelayError } from './relay-error.js';
import { appendParams, readQuery, RepeatedParameterError, withoutFromAppid } from './relay-query.js';
import { isTargetProblem, parseTarget } from './request-target.js';
import { prepareBody, RequestTooLargeError, StreamedBody, type PreparedBody } from './request-body.js';
import { INSPECT_LIMIT, isJson, readErrcode } from './response-errcode.js';
import { newSeqid } from './seqid.js';

interface Call extends CallRecord {
  abort?: CallAbort;
}

interface Injection {
  param: TokenParam;
  token: CachedToken;
}

/** A small JSON answer read whole, or the start of a larger one that turned out to be chunked. */
type Inspected = { whole: Buffer } | { prefix: Buffer[]; size: number } | undefined;

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * SPEC §5 steps 1–11 for one call, in order, on plain Node http objects (the ingress servers hand
 * every request here). Nothing on the warm path touches NATS: decisions and tokens come from the
 * in-memory caches.
 */
@Injectable()
export class RelayPipeline {
  private readonly logger = new Logger('Relay');
  private readonly maxBody: number;
  private inFlight = 0;
  private idle?: () => void;

  constructor(
    @Inject(APP_CONFIG) config: ForwarderConfig,
    private readonly decisions: PolicyDecisions,
    private readonly tokens: TokenCache,
    private readonly upstream: UpstreamClient,
    private readonly metrics: RelayMetrics,
    private readonly accessLog: AccessLog,
  ) {
    this.maxBody = config.MAX_BODY_BYTES;
  }

  handle(req: IncomingMessage, res: ServerResponse, via: CallRecord['via']): void {
    const call: Call = { seqid: newSeqid(), via, method: req.method ?? '', path: '', status: 0 };
    const started = performance.now();
    this.inFlight++;
    res.once('close', () => {
      if (!res.writableFinished) call.abort?.abort();
      if (call.status === 0 && res.headersSent) call.status = res.statusCode;
      this.metrics.call(call.status, call.reason);
      this.accessLog.write(call, performance.now() - started);
      if (--this.inFlight === 0) this.idle?.();
    });
    this.relay(req, res, call).catch((err: unknown) => this.failed(res, call, err));
  }

  /** Resolves when no call is in flight, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  private async relay(req: IncomingMessage, res: ServerResponse, call: Call): Promise<void> {
    // Step 1: the host of an absolute-form target, before anything else.
    const target = parseTarget(req.url ?? '');
    if (isTargetProblem(target) && target.reason === Reason.HOST_NOT_ALLOWED) return this.reject(res, call, target.reason, target.message);
    // Step 2.
    if (call.method !== 'GET' && call.method !== 'POST') {
      return this.reject(res, call, Reason.METHOD_NOT_ALLOWED, `method ${call.method.slice(0, 32)} is not relayed (GET and POST are)`);
    }
    // Step 3: the raw path, then the query.
    if (isTargetProblem(target)) return this.reject(res, call, target.reason, target.message);
    const { path, rawQuery } = target;
    call.path = path;
    let facts;
    try {
      facts = readQuery(rawQuery);
    } catch (err) {
      if (err instanceof RepeatedParameterError) return this.reject(res, call, Reason.BAD_QUERY, err.message);
      throw err;
    }
    call.fromAppid = facts.fromAppid;
    // Step 4.
    if (isReservedPath(path)) return this.reject(res, call, Reason.RESERVED_PATH, `${path} mints tokens and is never relayed`);
    const query = facts.hasFromAppid ? withoutFromAppid(rawQuery) : rawQuery;
    // Step 5: the caller's own credential, relayed as is.
    if (facts.callerToken) return this.forward(req, res, call, path, query, undefined);
    // Step 6.
    const cached = this.decisions.peek(path, facts.fromAppid) ?? (await this.decisions.fill(path, facts.fromAppid));
    const decision = cached.decision;
    if (!decision.allowed) return this.reject(res, call, decision.reason, decision.message, decision.errcode);
    // Step 7 (and 11 when there is no token).
    const token = this.tokens.peek(cached.tokenKey!) ?? (await this.tokens.fill(decision.credential.kind, decision.credential.appid));
    return this.forward(req, res, call, path, withComponentAppid(path, query, facts.hasComponentAppid, decision), { param: decision.tokenParam, token });
  }

  /** Steps 8–10: headers, sizes, timeouts, failover, and the one retry after a token rejection. */
  private async forward(req: IncomingMessage, res: ServerResponse, call: Call, path: string, query: string, injection: Injection | undefined): Promise<void> {
    let body: PreparedBody;
    try {
      body = await prepareBody(req, this.maxBody);
    } catch (err) {
      if (err instanceof RequestTooLargeError) return this.reject(res, call, Reason.REQUEST_TOO_LARGE, err.message);
      res.destroy();
      return;
    }
    const headers = upstreamRequestHeaders(req.rawHeaders, { host: '', peer: peerAddress(req.socket.remoteAddress), keepContentLength: body instanceof StreamedBody });
    call.abort = new CallAbort();
    const request = {
      method: call.method as 'GET' | 'POST',
      path: upstreamPath(path, injection ? appendParams(query, `${injection.param}=${injection.token.encoded}`) : query),
      headers,
      body,
      abort: call.abort,
    };
    const response = await this.send(res, call, request);
    if (!response) return;
    const inspected = await this.inspect(res, call, response);
    if (inspected === false) return;
    if (injection && isTokenRejection(call.errcode)) {
      this.metrics.tokenInvalidations.inc();
      const { kind, appid, token } = injection.token;
      const fresh = await this.tokens.invalidate(kind, appid, token).catch((err: unknown) => {
        this.logger.warn(`seqid ${call.seqid}: invalidating the ${kind} token of ${appid} failed: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      });
      // A rate-limited invalidation answers the same token: retrying with it would only repeat the answer.
      if (fresh && fresh.token !== token && !(body instanceof StreamedBody)) {
        response.body.destroy();
        this.metrics.tokenRetries.inc();
        call.retried = true;
        call.errcode = undefined;
        request.path = upstreamPath(path, appendParams(query, `${injection.param}=${fresh.encoded}`));
        const retried = await this.send(res, call, request);
        if (!retried) return;
        const again = await this.inspect(res, call, retried);
        if (again === false) return;
        return this.respond(res, call, retried, again);
      }
    }
    return this.respond(res, call, response, inspected);
  }

  private async send(res: ServerResponse, call: Call, request: Parameters<UpstreamClient['send']>[0]): Promise<Dispatcher.ResponseData | undefined> {
    try {
      const { response, failover } = await this.upstream.send(request);
      if (failover) call.failover = true;
      return response;
    } catch (err) {
      if (request.body instanceof StreamedBody && request.body.tooLarge) {
        this.reject(res, call, Reason.REQUEST_TOO_LARGE, `request body exceeds ${this.maxBody} bytes`);
      } else if (err instanceof UpstreamTimeoutError) {
        this.reject(res, call, Reason.UPSTREAM_TIMEOUT, err.message);
      } else if (res.destroyed || call.abort?.aborted) {
        res.destroy();
      } else {
        this.failed(res, call, err);
      }
      return undefined;
    }
  }

  /**
   * Step 9's response limit, and the look at small JSON answers step 10 needs. Returns false when
   * the call was answered here (too large).
   */
  private async inspect(res: ServerResponse, call: Call, response: Dispatcher.ResponseData): Promise<Inspected | false> {
    const declared = response.headers['content-length'];
    const length = declared === undefined ? undefined : Number(declared);
    if (length !== undefined && length > this.maxBody) {
      response.body.destroy();
      this.reject(res, call, Reason.RESPONSE_TOO_LARGE, `WeChat's answer of ${length} bytes exceeds ${this.maxBody}`);
      return false;
    }
    if (!isJson(response.headers) || (length !== undefined && length > INSPECT_LIMIT)) return undefined;
    if (length !== undefined) {
      const bytes = await response.body.bytes();
      const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      call.errcode = readErrcode(whole);
      return { whole };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body.iterator({ destroyOnReturn: false })) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size > INSPECT_LIMIT) return { prefix: chunks, size };
    }
    const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    call.errcode = readErrcode(whole);
    return { whole };
  }

  private respond(res: ServerResponse, call: Call, response: Dispatcher.ResponseData, inspected: Inspected): void {
    call.status = response.statusCode;
    const headers = callerResponseHeaders(response.headers, call.seqid);
    if (inspected && 'whole' in inspected) {
      headers['content-length'] = inspected.whole.length;
      res.writeHead(response.statusCode, headers);
      res.end(inspected.whole);
      return;
    }
    res.writeHead(response.statusCode, headers);
    let size = 0;
    if (inspected) {
      for (const chunk of inspected.prefix) res.write(chunk);
      size = inspected.size;
    }
    const body = response.body;
    if (response.headers['content-length'] === undefined) {
      // A chunked answer has no declared size: count it and cut the connection past the limit.
      const max = this.maxBody;
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > max) {
          call.reason = Reason.RESPONSE_TOO_LARGE;
          body.destroy(new Error('response too large'));
        }
      });
    }
    pipeline(body, res, (err) => {
      if (err) res.destroy();
    });
  }

  private reject(res: ServerResponse, call: Call, reason: Reason, message: string, errcode?: number): void {
    call.reason = reason;
    call.status = sendRelayError(res, call.seqid, reason, message, errcode);
  }

  private failed(res: ServerResponse, call: Call, err: unknown): void {
    if (err instanceof WxgateError) return this.reject(res, call, err.reason, err.message, err.reason === Reason.TOKEN_UNAVAILABLE ? REASON_ERRCODE.TOKEN_UNAVAILABLE : err.errcode);
    if (err instanceof UpstreamUnreachableError) return this.reject(res, call, Reason.UPSTREAM_UNREACHABLE, err.message);
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
      return this.reject(res, call, Reason.UPSTREAM_TIMEOUT, 'WeChat did not answer in time');
    }
    if (typeof code === 'string') return this.reject(res, call, Reason.UPSTREAM_UNREACHABLE, `WeChat connection failed (${code})`);
    this.logger.error(`seqid ${call.seqid}: relay failed: ${err instanceof Error ? err.stack : String(err)}`);
    this.reject(res, call, Reason.INTERNAL, 'internal error');
  }
}

function upstreamPath(path: string, query: string): string {
  return query === '' ? path : `${path}?${query}`;
}

/** Step 7: `/sns/component/*` calls get `component_appid` when the caller left it out. */
function withComponentAppid(path: string, query: string, present: boolean, decision: PolicyAllow): string {
  if (present || !decision.componentAppid || !needsComponentAppidParam(path)) return query;
  return appendParams(query, `component_appid=${encodeURIComponent(decision.componentAppid)}`);
}
