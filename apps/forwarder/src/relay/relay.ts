import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeCredential, isReservedPath, Reason, REASON_ERRCODE, WxgateError, type PolicyAllow, type TokenParam } from '@wxgate/contracts';
import { APP_CONFIG, framesOf } from '@wxgate/platform';
import { isTokenRejection, needsComponentAppidParam } from '@wxgate/wechat';
import { AccessLog, type CallRecord } from '../access-log/access-log.js';
import type { ForwarderConfig } from '../config.js';
import { ControlPlane, type CachedDecision, type CachedToken } from '../control-plane/control-plane.js';
import { RelayMetrics } from '../metrics/relay.metrics.js';
import { ResponseTooLargeError, UpstreamTimeoutError, type BufferedAnswer, type ExchangeLimits } from '../upstream/upstream-exchange.js';
import { UpstreamClient, UpstreamUnreachableError, type UpstreamCall, type UpstreamRequest } from '../upstream/upstream.client.js';
import { CallerGate, type CallerRefusal } from './caller-gate.js';
import { PayRelay } from './pay-relay.js';
import { peerAddress, upstreamRequestHeaders } from './relay-headers.js';
import { appendParams, readQuery, RepeatedParameterError, withoutFromAppid, type QueryFacts } from './relay-query.js';
import { prepareBody, RequestTooLargeError, StreamedBody, type PreparedBody } from './request-body.js';
import { headProblem } from './request-head.js';
import { isTargetProblem, parseTarget, type RelayTarget } from './request-target.js';
import { sendBuffered, sendError, StreamedAnswer } from './respond.js';
import { newSeqid } from './seqid.js';
import { TokenEndpoints } from './token-endpoints.js';

interface Call extends CallRecord {
  /** The request to WeChat under way, stopped when the caller goes away. */
  upstream?: UpstreamCall;
}

interface Injection {
  param: TokenParam;
  token: CachedToken;
}

const CALLER_GONE = new Error('the caller closed the connection');
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * docs/http-behaviour.md steps 1–11 for one call, in order, on plain Node http objects (ingress
 * hands every request here). Each step is one named method below — target, caller, decision,
 * token, upstream call, answer; decisions, tokens and callers come from the control plane, which
 * answers a warm call from memory (no NATS), and every answer is written by respond.ts.
 */
@Injectable()
export class Relay {
  private readonly logger = new Logger('Relay');
  private readonly maxBody: number;
  private readonly maxHeaders: number;
  private readonly limits: ExchangeLimits;
  private inFlight = 0;
  private idle?: () => void;

  constructor(
    @Inject(APP_CONFIG) config: ForwarderConfig,
    private readonly control: ControlPlane,
    private readonly upstream: UpstreamClient,
    private readonly metrics: RelayMetrics,
    private readonly accessLog: AccessLog,
    private readonly callerGate: CallerGate,
    private readonly pay: PayRelay,
    private readonly tokenEndpoints: TokenEndpoints,
  ) {
    this.maxBody = config.MAX_BODY_BYTES;
    this.maxHeaders = config.RELAY_MAX_HEADERS;
    this.limits = { maxBody: config.MAX_BODY_BYTES, bufferAll: false };
  }

  handle(req: IncomingMessage, res: ServerResponse, via: CallRecord['via']): void {
    // Every field from the start: one object shape for every call, no property added later.
    const call: Call = {
      seqid: newSeqid(),
      via,
      method: req.method ?? '',
      path: '',
      fromAppid: undefined,
      caller: undefined,
      status: 0,
      reason: undefined,
      errcode: undefined,
      retried: false,
      failover: false,
      upstream: undefined,
    };
    const started = performance.now();
    this.inFlight++;
    // 'close' fires once per response: `on` spares the once-wrapper a call would allocate.
    res.on('close', () => {
      if (!res.writableFinished) call.upstream?.abort(CALLER_GONE);
      // The access log keeps the record until its batch is written; not the exchange behind it.
      call.upstream = undefined;
      if (call.status === 0 && res.headersSent) call.status = res.statusCode;
      this.metrics.call(call.status, call.reason);
      this.accessLog.write(call, performance.now() - started);
      if (--this.inFlight === 0) this.idle?.();
    });
    void this.relay(req, res, call);
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

  /**
   * The steps in order, each a method below; never rejects: whatever fails is answered (`failed`).
   * A warm call awaits nothing but WeChat.
   */
  private async relay(req: IncomingMessage, res: ServerResponse, call: Call): Promise<void> {
    try {
      const target = this.target(req, res, call);
      if (target === undefined) return;
      // Who is calling, when the environment lists callers: before anything acts for it — WeChat Pay
      // and token endpoints included (docs/callers.md).
      let admitted = this.caller(req, res, call);
      if (admitted instanceof Promise) admitted = await admitted;
      if (!admitted) return;
      if (this.pay.isPayCall(req, target)) return await this.pay.relay(req, res, call, target);
      const { path, rawQuery } = target;
      const facts = this.query(res, call, rawQuery);
      if (facts === undefined) return;
      // Step 4: token-minting paths are never relayed; SDKs get wxgate's own tokens from them.
      if (isReservedPath(path)) return await this.tokenEndpoints.answer(req, res, call, path, rawQuery);
      const query = facts.hasFromAppid ? withoutFromAppid(rawQuery) : rawQuery;
      // Step 5: the caller's own credential, relayed as is.
      if (facts.callerToken) return await this.forward(req, res, call, path, query, undefined, facts.callerTokenValue);
      let cached = this.control.peekDecision(path, facts.fromAppid);
      if (cached === undefined) cached = await this.decision(path, facts.fromAppid);
      const decision = cached.decision;
      if (!decision.allowed) return sendError(res, call, decision.reason, decision.message, decision.errcode);
      let token = this.control.peekToken(cached.tokenKey!);
      if (token === undefined) token = await this.token(decision);
      await this.forward(req, res, call, path, withComponentAppid(path, query, facts.hasComponentAppid, decision), { param: decision.tokenParam, token });
    } catch (err) {
      this.failed(res, call, err);
    }
  }

  /**
   * Steps 1–3, what the request names: a head wxgate will not read, the host of an absolute-form
   * target (step 1), the method (2), the raw path (3). `undefined` once refused.
   */
  private target(req: IncomingMessage, res: ServerResponse, call: Call): RelayTarget | undefined {
    const head = headProblem(req, this.maxHeaders);
    if (head) {
      // Whatever body follows is not read: the connection cannot be reused.
      res.shouldKeepAlive = false;
      return void sendError(res, call, head.reason, head.message);
    }
    const target = parseTarget(req.url ?? '');
    if (isTargetProblem(target) && target.reason === Reason.HOST_NOT_ALLOWED) return void sendError(res, call, target.reason, target.message);
    if (call.method !== 'GET' && call.method !== 'POST') {
      return void sendError(res, call, Reason.METHOD_NOT_ALLOWED, `method ${call.method.slice(0, 32)} is not relayed (GET and POST are)`);
    }
    if (isTargetProblem(target)) return void sendError(res, call, target.reason, target.message);
    call.path = target.path;
    return target;
  }

  /** The caller credential (docs/callers.md): true when the call may go on; a promise only while the caller list is asked. */
  private caller(req: IncomingMessage, res: ServerResponse, call: Call): boolean | Promise<boolean> {
    const refused = this.callerGate.admit(req, call);
    if (refused === undefined) return true;
    if (refused instanceof Promise) return refused.then((known) => admitted(res, call, known));
    return admitted(res, call, refused);
  }

  /** The query half of step 3: a repeated parameter wxgate acts on is refused. */
  private query(res: ServerResponse, call: Call, rawQuery: string): QueryFacts | undefined {
    try {
      const facts = readQuery(rawQuery);
      call.fromAppid = facts.fromAppid;
      return facts;
    } catch (err) {
      if (err instanceof RepeatedParameterError) return void sendError(res, call, Reason.BAD_QUERY, err.message);
      throw err;
    }
  }

  /** Step 6 when the decision is not in memory: asked of the policy service. */
  private decision(path: string, fromAppid: string | undefined): Promise<CachedDecision> {
    return this.control.decide(path, fromAppid);
  }

  /** Step 7 when the token is not in memory (and 11 when there is none). */
  private token(decision: PolicyAllow): Promise<CachedToken> {
    return this.control.token(decision.credential);
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
    let body: PreparedBody | Promise<PreparedBody>;
    try {
      body = prepareBody(req, this.maxBody);
      if (body instanceof Promise) body = await body;
    } catch (err) {
      if (err instanceof RequestTooLargeError) return sendError(res, call, Reason.REQUEST_TOO_LARGE, err.message);
      res.destroy();
      return;
    }
    const request: UpstreamRequest = {
      method: call.method as 'GET' | 'POST',
      path: upstreamPath(path, injection ? appendParams(query, `${injection.param}=${injection.token.encoded}`) : query),
      headers: upstreamRequestHeaders(req.rawHeaders, { peer: peerAddress(req.socket.remoteAddress), keepContentLength: body instanceof StreamedBody }),
      body,
    };
    const sink = new StreamedAnswer(res, call);
    const answer = await this.callUpstream(res, call, request, sink);
    if (answer === undefined) return;
    if (injection && isTokenRejection(answer.errcode)) {
      const { token } = injection.token;
      const fresh = await this.replaceToken(call, injection.token);
      // A rate-limited invalidation answers the same token: retrying with it would only repeat the answer.
      if (fresh && fresh.token !== token && !(body instanceof StreamedBody)) {
        this.metrics.tokenRetries.inc();
        call.retried = true;
        call.errcode = undefined;
        request.path = upstreamPath(path, appendParams(query, `${injection.param}=${fresh.encoded}`));
        const again = await this.callUpstream(res, call, request, sink);
        if (again !== undefined) this.answer(res, call, again);
        return;
      }
    }
    if (callerToken !== undefined && isTokenRejection(answer.errcode)) await this.invalidateIssued(call, callerToken);
    this.answer(res, call, answer);
  }

  /**
   * WeChat, through the upstream client. The buffered answer (not sent yet: step 10 may retry), or
   * `undefined` when there is nothing more to do — the answer is already streaming to the caller,
   * or wxgate's error was sent.
   */
  private async callUpstream(res: ServerResponse, call: Call, request: UpstreamRequest, sink: StreamedAnswer): Promise<BufferedAnswer | undefined> {
    const sent = this.upstream.send(request, sink, this.limits);
    call.upstream = sent;
    try {
      const { answer, failover } = await sent.result;
      if (failover) call.failover = true;
      call.status = answer.statusCode;
      if (answer.kind === 'streamed') return undefined;
      call.errcode = answer.errcode;
      return answer;
    } catch (err) {
      if (request.body instanceof StreamedBody && request.body.tooLarge) {
        sendError(res, call, Reason.REQUEST_TOO_LARGE, `request body exceeds ${this.maxBody} bytes`);
      } else if (err instanceof UpstreamTimeoutError) {
        sendError(res, call, Reason.UPSTREAM_TIMEOUT, err.message);
      } else if (err instanceof ResponseTooLargeError) {
        sendError(res, call, Reason.RESPONSE_TOO_LARGE, err.message);
      } else if (res.destroyed) {
        res.destroy();
      } else {
        this.failed(res, call, err);
      }
      return undefined;
    }
  }

  /** WeChat's answer, relayed. */
  private answer(res: ServerResponse, call: Call, answer: BufferedAnswer): void {
    sendBuffered(res, call, answer);
  }

  /**
   * A caller-supplied token WeChat rejected: when it is one wxgate issued (an SDK fetched it from
   * a token endpoint), it is invalidated before WeChat's answer is relayed, so the SDK's own
   * retry fetches the new one. A token another forwarder handed out is looked up by the
   * refresher; tokens wxgate never issued are none of its business.
   */
  private async invalidateIssued(call: Call, token: string): Promise<void> {
    const owner = this.control.ownerOfToken(token);
    if (owner !== undefined) await this.replaceToken(call, owner);
    else if ((await this.control.rejectUnknownToken(token)) !== undefined) this.metrics.tokenInvalidations.inc();
  }

  /** Compare-and-refresh of a token WeChat rejected; the new token, or undefined when there is none. */
  private replaceToken(call: Call, rejected: CachedToken): Promise<CachedToken | undefined> {
    this.metrics.tokenInvalidations.inc();
    return this.control.replaceToken(rejected, rejected.token).catch((err: unknown) => {
      this.logger.warn(`seqid ${call.seqid}: invalidating the token of ${describeCredential(rejected)} failed: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
  }

  private failed(res: ServerResponse, call: Call, err: unknown): void {
    if (err instanceof WxgateError) return sendError(res, call, err.reason, err.message, err.reason === Reason.TOKEN_UNAVAILABLE ? REASON_ERRCODE.TOKEN_UNAVAILABLE : err.errcode);
    if (err instanceof UpstreamUnreachableError) return sendError(res, call, Reason.UPSTREAM_UNREACHABLE, err.message);
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return sendError(res, call, Reason.UPSTREAM_TIMEOUT, 'WeChat did not answer in time');
    if (typeof code === 'string') return sendError(res, call, Reason.UPSTREAM_UNREACHABLE, `WeChat connection failed (${code})`);
    this.logger.error(`seqid ${call.seqid}: relay failed: ${err instanceof Error ? framesOf(err) : typeof err}`);
    sendError(res, call, Reason.INTERNAL, 'internal error');
  }
}

function admitted(res: ServerResponse, call: Call, refused: CallerRefusal | undefined): boolean {
  if (refused === undefined) return true;
  sendError(res, call, refused.reason, refused.message, undefined, refused);
  return false;
}

function upstreamPath(path: string, query: string): string {
  return query === '' ? path : `${path}?${query}`;
}

/** Step 7: `/sns/component/*` calls get `component_appid` when the caller left it out. */
function withComponentAppid(path: string, query: string, present: boolean, decision: PolicyAllow): string {
  if (present || !decision.componentAppid || !needsComponentAppidParam(path)) return query;
  return appendParams(query, `component_appid=${encodeURIComponent(decision.componentAppid)}`);
}
