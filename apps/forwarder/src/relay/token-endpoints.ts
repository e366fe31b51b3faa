import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { Reason, Subjects, WxgateError, type AuthorizationIssueReply, type CredentialRef, type TokenReply } from '@wxgate/contracts';
import { NatsUnavailableError } from '@wxgate/nats';
import { Clock } from '@wxgate/platform';
import type { CallRecord } from '../access-log/access-log.js';
import { ControlPlane } from '../control-plane/control-plane.js';
import { RelayMetrics } from '../metrics/relay.metrics.js';
import { prepareBody, StreamedBody } from './request-body.js';
import { sendAnswer, sendError } from './respond.js';
import { isTokenRequestProblem, readTokenRequest, type TokenRequest } from './token-request.js';

/** Token-endpoint bodies are a few fields; anything larger is not one. */
const MAX_TOKEN_BODY = 64 * 1024;

/**
 * What an SDK gets back as `authorizer_refresh_token`. The real one never leaves the
 * token-refresher; an SDK stores this one and sends it back on its next api_authorizer_token,
 * where wxgate ignores it (the caller's component token is the proof).
 */
export const MANAGED_REFRESH_TOKEN = 'wxgate-managed-refresh-token';

/** How an operator makes wxgate manage the credential a caller asked for. */
function howToAdd(request: TokenRequest): string {
  switch (request.kind) {
    case 'app':
      return `app ${request.appid} is not managed by wxgate; add it with \`wxgate app add ${request.appid}\` and SDKs get its token here`;
    case 'authorizer':
      return (
        `authorizer ${request.authorizerAppid} of component ${request.componentAppid} is not managed by wxgate; import it with ` +
        `\`wxgate authorizer import ${request.componentAppid} ${request.authorizerAppid}\` or \`wxgate authorizer sync ${request.componentAppid}\``
      );
    case 'component':
    case 'exchange':
      return `component ${request.componentAppid} is not managed by wxgate; add it with \`wxgate component add ${request.componentAppid}\``;
  }
}

const ENDPOINT_LABEL: Readonly<Record<TokenRequest['kind'], string>> = { app: 'app', component: 'component', authorizer: 'authorizer', exchange: 'query_auth' };

/**
 * WeChat's token-minting endpoints, answered from wxgate's own tokens (docs/sdk.md): an SDK that
 * fetches its token with appid + secret gets the token wxgate keeps, so any number of SDK
 * instances share one token and none can make it stale. Never relayed; the proof (secret or
 * component token) is checked by the token-refresher, which holds the secrets. Neither the
 * query nor the body of these calls reaches a log line.
 */
@Injectable()
export class TokenEndpoints {
  constructor(
    private readonly controlPlane: ControlPlane,
    private readonly metrics: RelayMetrics,
    private readonly clock: Clock,
  ) {}

  async answer(req: IncomingMessage, res: ServerResponse, call: CallRecord, path: string, rawQuery: string): Promise<void> {
    let body: Buffer | undefined;
    try {
      const prepared = await prepareBody(req, MAX_TOKEN_BODY);
      if (prepared instanceof StreamedBody) throw new Error('too large');
      body = prepared;
    } catch {
      return this.reserved(res, call, `${path} is answered by wxgate from its own tokens; its body must be at most ${MAX_TOKEN_BODY} bytes of JSON`);
    }
    const request = readTokenRequest(path, call.method, rawQuery, body);
    if (isTokenRequestProblem(request)) return this.reserved(res, call, `${path} is answered by wxgate from its own tokens, and this call cannot be: ${request.problem}`);
    const endpoint = ENDPOINT_LABEL[request.kind];
    let answer: object;
    try {
      answer = await this.issue(request);
    } catch (err) {
      if (err instanceof WxgateError && err.reason === Reason.CREDENTIAL_REJECTED) {
        this.metrics.tokenEndpointAnswers.labels(endpoint, 'rejected').inc();
        // WeChat's own answer to a wrong secret or token: HTTP 200 with the errcode.
        return sendAnswer(res, call, 200, { errcode: err.errcode, errmsg: err.message }, err.errcode);
      }
      if (err instanceof WxgateError && (err.reason === Reason.CREDENTIAL_NOT_FOUND || err.reason === Reason.BAD_REQUEST)) {
        this.metrics.tokenEndpointAnswers.labels(endpoint, 'reserved').inc();
        return this.reserved(res, call, `${path} is answered by wxgate from its own tokens, and ${howToAdd(request)}`);
      }
      this.metrics.tokenEndpointAnswers.labels(endpoint, 'unavailable').inc();
      if (err instanceof WxgateError) return sendError(res, call, Reason.TOKEN_UNAVAILABLE, err.message, err.reason === Reason.TOKEN_UNAVAILABLE ? err.errcode : undefined);
      return sendError(res, call, Reason.TOKEN_UNAVAILABLE, err instanceof NatsUnavailableError ? 'token-refresher unreachable' : 'token lookup failed');
    }
    this.metrics.tokenEndpointAnswers.labels(endpoint, 'issued').inc();
    sendAnswer(res, call, 200, answer, undefined);
  }

  private async issue(request: TokenRequest): Promise<object> {
    switch (request.kind) {
      case 'app': {
        const token = await this.ask<TokenReply>(Subjects.token.issue('app', request.appid), { secret: request.secret, forceRefresh: request.forceRefresh });
        return { access_token: token.token, expires_in: this.secondsLeft(token.expiresAt) };
      }
      case 'component': {
        const token = await this.ask<TokenReply>(Subjects.token.issue('component', request.componentAppid), { secret: request.secret });
        return { component_access_token: token.token, expires_in: this.secondsLeft(token.expiresAt) };
      }
      case 'authorizer': {
        const token = await this.ask<TokenReply>(Subjects.token.issueAuthorizer(request.componentAppid, request.authorizerAppid), { componentToken: request.componentToken });
        return { authorizer_access_token: token.token, expires_in: this.secondsLeft(token.expiresAt), authorizer_refresh_token: MANAGED_REFRESH_TOKEN };
      }
      case 'exchange': {
        const auth = await this.controlPlane.issueToken<AuthorizationIssueReply>(Subjects.token.exchange(request.componentAppid), {
          componentToken: request.componentToken,
          authorizationCode: request.authorizationCode,
        });
        this.remember({ kind: 'authorizer', componentAppid: auth.componentAppid, appid: auth.authorizerAppid }, auth);
        return {
          authorization_info: {
            authorizer_appid: auth.authorizerAppid,
            authorizer_access_token: auth.token,
            expires_in: this.secondsLeft(auth.expiresAt),
            authorizer_refresh_token: MANAGED_REFRESH_TOKEN,
            func_info: auth.funcScopes.map((id) => ({ funcscope_category: { id } })),
          },
        };
      }
    }
  }

  private async ask<T extends TokenReply>(subject: string, proof: object): Promise<T> {
    const reply = await this.controlPlane.issueToken<T>(subject, proof);
    this.remember(reply, reply);
    return reply;
  }

  /** The forwarder recognises the token when the SDK brings it back and WeChat rejects it (an authorizer's by its pair). */
  private remember(ref: CredentialRef, token: { token: string; expiresAt: number }): void {
    try {
      this.controlPlane.rememberToken({ kind: ref.kind, appid: ref.appid, ...(ref.componentAppid ? { componentAppid: ref.componentAppid } : {}), token: token.token, expiresAt: token.expiresAt });
    } catch {
      // An already expired answer is not worth recognising; the caller still gets it.
    }
  }

  /** WeChat's `expires_in`: the whole seconds the token has left. */
  private secondsLeft(expiresAt: number): number {
    return Math.max(0, Math.floor((expiresAt - this.clock.now()) / 1000));
  }

  private reserved(res: ServerResponse, call: CallRecord, message: string): void {
    sendError(res, call, Reason.RESERVED_PATH, message);
  }
}
