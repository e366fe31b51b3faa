import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeCredential, isReservedPath, Reason, REASON_ERRCODE, WxgateError, type PolicyAllow, type TokenParam } from '@wxgate/contracts';
import { APP_CONFIG } from '@wxgate/platform';
import { isTokenRejection, needsComponentAppidParam } from '@wxgate/wechat';
import { AccessLog, type CallRecord } from '../access-log/access-log.js';
import { CallerGate } from '../callers/caller-gate.js';
import type { ForwarderConfig } from '../config.js';
import { PolicyDecisions } from '../decisions/policy-decisions.js';
import { RelayMetrics } from '../metrics/relay.metrics.js';
import { PayRelay } from '../pay/pay-relay.js';
import { TokenEndpoints } from '../token-endpoints/token-endpoints.js';
import { TokenCache, type CachedToken } from '../tokens/token-cache.js';
import { ResponseTooLargeError, UpstreamTimeoutError, type BufferedAnswer, type ExchangeSink, type UpstreamAnswer, type UpstreamExchange } from '../upstream/upstream-exchange.js';
import { UpstreamClient, UpstreamUnreachableError, type UpstreamRequest } from '../upstream/upstream.client.js';
import { peerAddress, upstreamRequestHeaders } from './relay-headers.js';
import { sendRelayError, type ErrorExtras } from './relay-error.js';
import { appendParams, readQuery, RepeatedParameterError, withoutFromAppid } from './relay-query.js';
import { headProblem } from './request-head.js';
import { isTargetProblem, parseTarget } from './request-target.js';
import { prepareBody, RequestTooLargeError, StreamedBody, type PreparedBody } from './request-body.js';
import { newSeqid } from './seqid.js';

interface Call extends CallRecord {
  /** The request to WeChat under way, stopped when the caller goes away. */
  exchange?: UpstreamExchange;
}

interface Injection {
  param: TokenParam;
  token: CachedToken;
}

const CALLER_GONE = new Error('the caller closed the connection');
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
  private readonly maxHeaders: number;
  private inFlight = 0;
  private idle?: () => void;

  constructor(
    @Inject(APP_CONFIG) config: ForwarderConfig,
    private readonly decisions: PolicyDecisions,
    private readonly tokens: TokenCache,
    private readonly upstream: UpstreamClient,
    private readonly metrics: RelayMetrics,
    private readonly accessLog: AccessLog,
    private readonly callers: CallerGate,
    private readonly pay: PayRelay,
    private readonly tokenEndpoints: TokenEndpoints,
  ) {
    this.maxBody = config.MAX_BODY_BYTES;
    this.maxHeaders = config.RELAY_MAX_HEADERS;
  }

  handle(req: IncomingMessage, res: ServerResponse, via: CallRecord['via']): void {
    const call: Call = { seqid: newSeqid(), via, method: req.method ?? '', path: '', status: 0 };
    const started = performance.now();
    this.inFlight++;
    // 'close' fires once per response: `on` spares the once-wrapper a call would allocate.
    res.on('close', () => {
      if (!res.writableFinished) call.exchange?.abort(CALLER_GONE);
      // The access log keeps the record until its batch is written; not the exchange behind it.
      call.exchange = undefined;
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
    const head = headProblem(req, this.maxHeaders);
    if (head) {
      // Whatever body follows is not read: the connection cannot be reused.
      res.shouldKeepAlive = false;
      return this.reject(res, call, head.reason, head.message);
    }
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
    // Who is calling, when the environment lists callers: before anything acts for it — WeChat Pay
    // and token endpoints included (docs/callers.md).
    let refused = this.callers.admit(req, call);
    if (refused instanceof Promise) refused = await refused;
    if (refused) return this.reject(res, call, refused.reason, refused.message, undefined, refused);
    if (this.pay.isPayCall(req, target)) return this.pay.relay(req, res, call, target);
    let facts;
    try {
      facts = readQuery(rawQuery);
    } catch (err) {
      if (err instanceof RepeatedParameterError) return this.reject(res, call, Reason.BAD_QUERY, err.message);
      throw err;
    }
    call.fromAppid = facts.fromAppid;
    // Step 4: token-minting paths are never relayed; SDKs get wxgate's own tokens from them.
    if (isReservedPath(path)) return this.tokenEndpoints.answer(req, res, call, path, rawQuery);
    const query = facts.hasFromAppid ? withoutFromAppid(rawQuery) : rawQuery;
    // Step 5: the caller's own credential, relayed as is.
    if (facts.callerToken) return this.forward(req, res, call, path, query, undefined, facts.callerTokenValue);
    // Step 6.
    const cached = this.decisions.peek(path, facts.fromAppid) ?? (await this.decisions.fill(path, facts.fromAppid));
    const decision = cached.decision;
    if (!decision.allowed) return this.reject(res, call, decision.reason, decision.message, decision.errcode);
    // Step 7 (and 11 when there is no token).
    const token = this.tokens.peek(cached.tokenKey!) ?? (await this.tokens.fill(decision.credential));
    return this.forward(req, res, call, path, withComponentAppid(path, query, facts.hasComponentAppid, decision), { param: decision.tokenParam, token });
  }

  /** Steps 8–10: headers, sizes, timeouts, failover, and the one retry after a token rejection. */
  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    call: Call,
    path: string,
    query: string,
    injection: Injection | undefined,
    callerToken?: string,
  ): Promise<void> {
    let body: PreparedBody;
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      body = undefined;
    } else {
      try {
        body = await prepareBody(req, this.maxBody);
      } catch (err) {
        if (err instanceof RequestTooLargeError) return this.reject(res, call, Reason.REQUEST_TOO_LARGE, err.message);
        res.destroy();
        return;
      }
    }
    const request: UpstreamRequest = {
      method: call.method as 'GET' | 'POST',
      path: upstreamPath(path, injection ? appendParams(query, `${injection.param}=${injection.token.encoded}`) : query),
      headers: upstreamRequestHeaders(req.rawHeaders, { host: '', peer: peerAddress(req.socket.remoteAddress), keepContentLength: body instanceof StreamedBody }),
      body,
    };
    const sink: ExchangeSink = { res, seqid: call.seqid, maxBody: this.maxBody, onCut: () => (call.reason = Reason.RESPONSE_TOO_LARGE) };
    const answer = await this.send(res, call, request, sink);
    if (!answer || answer.kind === 'streamed') return;
    call.errcode = answer.errcode;
    if (injection && isTokenRejection(answer.errcode)) {
      const { token } = injection.token;
      const fresh = await this.invalidate(call, injection.token);
      // A rate-limited invalidation answers the same token: retrying with it would only repeat the answer.
      if (fresh && fresh.token !== token && !(body instanceof StreamedBody)) {
        this.metrics.tokenRetries.inc();
        call.retried = true;
        call.errcode = undefined;
        request.path = upstreamPath(path, appendParams(query, `${injection.param}=${fresh.encoded}`));
        const again = await this.send(res, call, request, sink);
        if (!again || again.kind === 'streamed') return;
        call.errcode = again.errcode;
        return this.respond(res, call, again);
      }
    }
    if (callerToken !== undefined && isTokenRejection(answer.errcode)) await this.invalidateIssued(call, callerToken);
    return this.respond(res, call, answer);
  }

  /**
   * A caller-supplied token WeChat rejected: when it is one wxgate issued (an SDK fetched it from
   * a token endpoint), it is invalidated before WeChat's answer is relayed, so the SDK's own
   * retry fetches the new one. A token another forwarder handed out is looked up by the
   * refresher; tokens wxgate never issued are none of its business.
   */
  private async invalidateIssued(call: Call, token: string): Promise<void> {
    const owner = this.tokens.ownerOf(token);
    if (owner !== undefined) await this.invalidate(call, owner);
    else if ((await this.tokens.rejectUnknown(token)) !== undefined) this.metrics.tokenInvalidations.inc();
  }

  /** Compare-and-refresh of a token WeChat rejected; the new token, or undefined when there is none. */
  private invalidate(call: Call, rejected: CachedToken): Promise<CachedToken | undefined> {
    this.metrics.tokenInvalidations.inc();
    return this.tokens.invalidate(rejected, rejected.token).catch((err: unknown) => {
      this.logger.warn(`seqid ${call.seqid}: invalidating the token of ${describeCredential(rejected)} failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
  }

  private async send(res: ServerResponse, call: Call, request: UpstreamRequest, sink: ExchangeSink): Promise<UpstreamAnswer | undefined> {
    try {
      const { answer, failover } = await this.upstream.send(request, sink, call);
      if (failover) call.failover = true;
      call.status = answer.statusCode;
      return answer;
    } catch (err) {
      if (request.body instanceof StreamedBody && request.body.tooLarge) {
        this.reject(res, call, Reason.REQUEST_TOO_LARGE, `request body exceeds ${this.maxBody} bytes`);
      } else if (err instanceof UpstreamTimeoutError) {
        this.reject(res, call, Reason.UPSTREAM_TIMEOUT, err.message);
      } else if (err instanceof ResponseTooLargeError) {
        this.reject(res, call, Reason.RESPONSE_TOO_LARGE, err.message);
      } else if (res.destroyed) {
        res.destroy();
      } else {
        this.failed(res, call, err);
      }
      return undefined;
    }
  }

  private respond(res: ServerResponse, call: Call, answer: BufferedAnswer): void {
    call.status = answer.statusCode;
    if (res.destroyed) return;
    res.writeHead(answer.statusCode, answer.headers);
    res.end(answer.body);
  }

  private reject(res: ServerResponse, call: Call, reason: Reason, message: string, errcode?: number, extras?: ErrorExtras): void {
    call.reason = reason;
    call.status = sendRelayError(res, call.seqid, reason, message, errcode, extras);
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
