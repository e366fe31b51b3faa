import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { isPayPath, Reason, WxgateError } from '@wxgate/contracts';
import { APP_CONFIG } from '@wxgate/platform';
import { isWechatPayHost, signatureHeadersFrom, WECHATPAY_API_HOSTS, verifyAnswerSignature, type KeyLookup } from '@wxgate/wechatpay';
import type { CallRecord } from '../access-log/access-log.js';
import type { ForwarderConfig } from '../config.js';
import { ControlPlane } from '../control-plane/control-plane.js';
import { PayUpstreamClient } from '../upstream/pay-upstream.client.js';
import { ResponseTooLargeError, UpstreamTimeoutError, type BufferedAnswer } from '../upstream/upstream-exchange.js';
import { UpstreamUnreachableError, type UpstreamRequest } from '../upstream/upstream.client.js';
import { splitHostPort } from '../wechat-hosts.js';
import { peerAddress, upstreamRequestHeaders } from './relay-headers.js';
import { prepareBody, RequestTooLargeError } from './request-body.js';
import type { RelayTarget } from './request-target.js';
import { sendBuffered, sendPayError, StreamedAnswer } from './respond.js';

/** A `Host` shorter than this names no WeChat Pay host (the common case is told without splitting it). */
const SHORTEST_PAY_HOST = Math.min(...WECHATPAY_API_HOSTS.map((h) => h.length));

/** WeChat Pay bodies are small JSON; this much is read and signed. */
export const MAX_PAY_BODY_BYTES = 1024 * 1024;

/** `from_mchid` (removed from what is relayed); repeated → BAD_QUERY. */
export function splitFromMchid(rawQuery: string): { fromMchid?: string; query: string } | 'repeated' {
  if (!rawQuery.includes('from_mchid=')) return { query: rawQuery };
  const kept: string[] = [];
  let fromMchid: string | undefined;
  for (const part of rawQuery.split('&')) {
    if (part.startsWith('from_mchid=')) {
      if (fromMchid !== undefined) return 'repeated';
      fromMchid = decodeURIComponent(part.slice('from_mchid='.length));
    } else kept.push(part);
  }
  return { fromMchid, query: kept.join('&') };
}

/**
 * A WeChat Pay API v3 call (see docs/wechat-pay.md): policy with `from_mchid`, the body read,
 * signed through the token-refresher, relayed byte for byte, and the answer relayed only after
 * WeChat Pay's signature on it verifies with the merchant's keys.
 */
@Injectable()
export class PayRelay {
  private readonly logger = new Logger('PayRelay');
  private readonly maxAnswer: number;

  constructor(
    @Inject(APP_CONFIG) config: ForwarderConfig,
    private readonly control: ControlPlane,
    private readonly upstream: PayUpstreamClient,
  ) {
    this.maxAnswer = config.MAX_BODY_BYTES;
  }

  /** By host (absolute-form, CONNECT, by name) or, in base-URL form, by a `/v3/` path. */
  isPayCall(req: IncomingMessage, target: RelayTarget): boolean {
    if (target.host) return isWechatPayHost(target.host);
    if (isPayPath(target.path)) return true;
    const host = req.headers.host;
    return host !== undefined && host.length >= SHORTEST_PAY_HOST && isWechatPayHost(splitHostPort(host).host);
  }

  async relay(req: IncomingMessage, res: ServerResponse, call: CallRecord, target: RelayTarget): Promise<void> {
    try {
      await this.#relay(req, res, call, target);
    } catch (err) {
      this.#failed(res, call, err);
    }
  }

  async #relay(req: IncomingMessage, res: ServerResponse, call: CallRecord, { path, rawQuery }: RelayTarget): Promise<void> {
    const split = splitFromMchid(rawQuery);
    if (split === 'repeated') return sendPayError(res, call, Reason.BAD_QUERY, 'from_mchid is repeated');
    const url = split.query === '' ? path : `${path}?${split.query}`;
    const ownAuthorization = req.headers.authorization !== undefined;
    let mchid: string | undefined;
    if (!ownAuthorization) {
      const decision = await this.control.payDecision(path, split.fromMchid);
      if (!decision.allowed) return sendPayError(res, call, decision.reason, decision.message);
      mchid = decision.credential.mchid;
    }

    let body: Buffer;
    try {
      const prepared = await prepareBody(req, MAX_PAY_BODY_BYTES);
      if (prepared !== undefined && !Buffer.isBuffer(prepared)) throw new RequestTooLargeError(MAX_PAY_BODY_BYTES);
      body = prepared ?? Buffer.alloc(0);
    } catch (err) {
      if (err instanceof RequestTooLargeError) return sendPayError(res, call, Reason.REQUEST_TOO_LARGE, `WeChat Pay request bodies are at most ${MAX_PAY_BODY_BYTES} bytes`);
      res.destroy();
      return;
    }

    const headers = upstreamRequestHeaders(req.rawHeaders, { peer: peerAddress(req.socket.remoteAddress), keepContentLength: false });
    if (mchid) headers.push('authorization', await this.control.paySignature(mchid, call.method, url, body.toString('utf8')));
    const request: UpstreamRequest = { method: call.method as 'GET' | 'POST', path: url, headers, body: body.length > 0 ? body : undefined };
    const { answer, failover } = await this.upstream.send(request, new StreamedAnswer(res, call), { maxBody: this.maxAnswer, bufferAll: true }).result;
    if (failover) call.failover = true;
    if (answer.kind !== 'buffered') throw new Error('a WeChat Pay answer was streamed');
    if (mchid && answer.statusCode >= 200 && answer.statusCode < 300 && !(await this.#verified(mchid, answer))) {
      this.logger.warn(`seqid ${call.seqid}: WeChat Pay answer ${answer.statusCode} for merchant ${mchid} failed signature verification`);
      return sendPayError(res, call, Reason.UPSTREAM_SIGNATURE_INVALID, 'the WeChat Pay answer is not signed by a WeChat Pay key of this merchant');
    }
    sendBuffered(res, call, answer);
  }

  async #verified(mchid: string, answer: BufferedAnswer): Promise<boolean> {
    const headers: Record<string, string> = {};
    for (let i = 0; i < answer.headers.length; i += 2) headers[answer.headers[i]!] = answer.headers[i + 1]!;
    const signed = signatureHeadersFrom(headers);
    const verify = (keys: KeyLookup) => verifyAnswerSignature(signed, answer.body, keys);
    const first = verify(await this.control.payKeys(mchid));
    if (first.ok) return true;
    if (first.failure !== 'UNKNOWN_SERIAL') return false;
    return verify(await this.control.payKeys(mchid, true)).ok;
  }

  #failed(res: ServerResponse, call: CallRecord, err: unknown): void {
    if (err instanceof WxgateError) {
      const reason = err.reason === Reason.CREDENTIAL_NOT_FOUND || err.reason === Reason.BAD_REQUEST ? Reason.TOKEN_UNAVAILABLE : err.reason;
      return sendPayError(res, call, reason, err.message);
    }
    if (err instanceof UpstreamUnreachableError) return sendPayError(res, call, Reason.UPSTREAM_UNREACHABLE, err.message.replace('WeChat', 'WeChat Pay'));
    if (err instanceof UpstreamTimeoutError) return sendPayError(res, call, Reason.UPSTREAM_TIMEOUT, 'WeChat Pay did not answer in time');
    if (err instanceof ResponseTooLargeError) return sendPayError(res, call, Reason.RESPONSE_TOO_LARGE, err.message);
    if (res.destroyed) return;
    this.logger.error(`seqid ${call.seqid}: pay relay failed: ${err instanceof Error ? err.message : String(err)}`);
    sendPayError(res, call, Reason.INTERNAL, 'internal error');
  }
}
