import { Ctx, MessagePattern, Payload, type NatsContext } from '@nestjs/microservices';
import {
  APPID_PATTERN,
  CREDENTIAL_KINDS,
  credentialFromSubject,
  Reason,
  Subjects,
  TokenInvalidateRequest,
  AppTokenIssueRequest,
  AuthorizerTokenIssueRequest,
  ComponentTokenIssueRequest,
  WxgateError,
  parsePayload,
  type CredentialKind,
  type TokenReply,
} from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { GetToken } from './get-token.js';
import { InvalidateToken } from './invalidate-token.js';
import { InvalidateIssuedToken } from './invalidate-issued-token.js';
import { IssueTokenToSdk } from './issue-token-to-sdk.js';

/** The kind and appid a token subject names, or BAD_REQUEST. */
export function credentialOf(subject: string): { kind: CredentialKind; appid: string } {
  const { kind, appid } = credentialFromSubject(subject);
  if (!(CREDENTIAL_KINDS as readonly string[]).includes(kind)) {
    throw new WxgateError(Reason.BAD_REQUEST, `kind must be one of ${CREDENTIAL_KINDS.join(', ')} (subject wxgate.token.<op>.<kind>.<appid>)`);
  }
  if (!APPID_PATTERN.test(appid)) throw new WxgateError(Reason.BAD_REQUEST, 'appid in the subject must be a WeChat appid');
  return { kind: kind as CredentialKind, appid };
}

@NatsController()
export class TokensController {
  constructor(
    private readonly getToken: GetToken,
    private readonly invalidateToken: InvalidateToken,
    private readonly issueToken: IssueTokenToSdk,
    private readonly invalidateIssued: InvalidateIssuedToken,
  ) {}

  @MessagePattern(Subjects.token.getPattern)
  get(@Ctx() ctx: NatsContext): TokenReply | Promise<TokenReply> {
    const { kind, appid } = credentialOf(ctx.getSubject());
    return this.getToken.run(kind, appid);
  }

  @MessagePattern(Subjects.token.invalidatePattern)
  invalidate(@Payload(new ZodPayload(TokenInvalidateRequest)) body: TokenInvalidateRequest, @Ctx() ctx: NatsContext): Promise<TokenReply> {
    const { kind, appid } = credentialOf(ctx.getSubject());
    return this.invalidateToken.run(kind, appid, body.token);
  }

  @MessagePattern(Subjects.token.reject)
  reject(@Payload(new ZodPayload(TokenInvalidateRequest)) body: TokenInvalidateRequest): Promise<TokenReply> {
    return this.invalidateIssued.run(body.token);
  }

  /** `wxgate.token.issue.app.<appid>` `{secret, forceRefresh?}` and `.component.<appid>` `{secret}`. */
  @MessagePattern(Subjects.token.issueCredentialPattern)
  issue(@Payload() body: unknown, @Ctx() ctx: NatsContext): Promise<TokenReply> {
    const { kind, appid } = credentialOf(ctx.getSubject());
    if (kind === 'app') {
      const { secret, forceRefresh } = parsePayload(AppTokenIssueRequest, body);
      return this.issueToken.app(appid, secret, forceRefresh ?? false);
    }
    if (kind === 'component') return this.issueToken.component(appid, parsePayload(ComponentTokenIssueRequest, body).secret);
    throw new WxgateError(Reason.BAD_REQUEST, 'authorizer tokens are issued on wxgate.token.issue.authorizer.<componentAppid>.<authorizerAppid>');
  }

  @MessagePattern(Subjects.token.issueAuthorizerPattern)
  issueAuthorizer(@Payload(new ZodPayload(AuthorizerTokenIssueRequest)) body: AuthorizerTokenIssueRequest, @Ctx() ctx: NatsContext): Promise<TokenReply> {
    const { componentAppid, authorizerAppid } = pairOf(ctx.getSubject());
    return this.issueToken.authorizer(componentAppid, authorizerAppid, body.componentToken);
  }
}

/** The two appids ending a subject (component, then authorizer), or BAD_REQUEST. */
export function pairOf(subject: string): { componentAppid: string; authorizerAppid: string } {
  const parts = subject.split('.');
  const [componentAppid = '', authorizerAppid = ''] = parts.slice(-2);
  if (!APPID_PATTERN.test(componentAppid) || !APPID_PATTERN.test(authorizerAppid)) {
    throw new WxgateError(Reason.BAD_REQUEST, 'the component and authorizer appids in the subject must be WeChat appids');
  }
  return { componentAppid, authorizerAppid };
}
