import { Ctx, MessagePattern, Payload, type NatsContext } from '@nestjs/microservices';
import {
  CREDENTIAL_SUBJECT_PREFIXES,
  credentialFromSubject,
  Reason,
  Subjects,
  TokenInvalidateRequest,
  AppTokenIssueRequest,
  AuthorizerTokenIssueRequest,
  ComponentTokenIssueRequest,
  WxgateError,
  parsePayload,
  type CredentialRef,
  type TokenReply,
} from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { GetToken } from './get-token.usecase.js';
import { InvalidateToken } from './invalidate-token.usecase.js';
import { InvalidateIssuedToken } from './invalidate-issued-token.usecase.js';
import { IssueTokenToSdk } from './issue-token-to-sdk.usecase.js';

/** The credential a token subject names (`<kind>.<appid>` or `authorizer.<componentAppid>.<appid>`), or BAD_REQUEST. */
export function credentialOf(subject: string, prefix: string): CredentialRef {
  const ref = credentialFromSubject(subject, prefix);
  if ('problem' in ref) throw new WxgateError(Reason.BAD_REQUEST, ref.problem);
  return ref;
}

/** Both subject forms of one operation are served by the same handler (one subscription each). */
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
    return this.getToken.execute(credentialOf(ctx.getSubject(), CREDENTIAL_SUBJECT_PREFIXES.tokenGet));
  }

  @MessagePattern(Subjects.token.getPairPattern)
  getPair(@Ctx() ctx: NatsContext): TokenReply | Promise<TokenReply> {
    return this.get(ctx);
  }

  @MessagePattern(Subjects.token.invalidatePattern)
  invalidate(@Payload(new ZodPayload(TokenInvalidateRequest)) body: TokenInvalidateRequest, @Ctx() ctx: NatsContext): Promise<TokenReply> {
    return this.invalidateToken.execute(credentialOf(ctx.getSubject(), CREDENTIAL_SUBJECT_PREFIXES.tokenInvalidate), body.token);
  }

  @MessagePattern(Subjects.token.invalidatePairPattern)
  invalidatePair(@Payload(new ZodPayload(TokenInvalidateRequest)) body: TokenInvalidateRequest, @Ctx() ctx: NatsContext): Promise<TokenReply> {
    return this.invalidate(body, ctx);
  }

  @MessagePattern(Subjects.token.reject)
  reject(@Payload(new ZodPayload(TokenInvalidateRequest)) body: TokenInvalidateRequest): Promise<TokenReply> {
    return this.invalidateIssued.execute(body.token);
  }

  /** `wxgate.token.issue.app.<appid>` `{secret, forceRefresh?}` and `.component.<appid>` `{secret}`. */
  @MessagePattern(Subjects.token.issueCredentialPattern)
  issue(@Payload() body: unknown, @Ctx() ctx: NatsContext): Promise<TokenReply> {
    const { kind, appid } = credentialOf(ctx.getSubject(), CREDENTIAL_SUBJECT_PREFIXES.tokenIssue);
    if (kind === 'app') {
      const { secret, forceRefresh } = parsePayload(AppTokenIssueRequest, body);
      return this.issueToken.execute({ kind, appid, secret, forceRefresh: forceRefresh ?? false });
    }
    if (kind === 'component') return this.issueToken.execute({ kind, appid, secret: parsePayload(ComponentTokenIssueRequest, body).secret });
    throw new WxgateError(Reason.BAD_REQUEST, 'authorizer tokens are issued on wxgate.token.issue.authorizer.<componentAppid>.<authorizerAppid>');
  }

  @MessagePattern(Subjects.token.issueAuthorizerPattern)
  issueAuthorizer(@Payload(new ZodPayload(AuthorizerTokenIssueRequest)) body: AuthorizerTokenIssueRequest, @Ctx() ctx: NatsContext): Promise<TokenReply> {
    const { componentAppid, appid } = credentialOf(ctx.getSubject(), CREDENTIAL_SUBJECT_PREFIXES.tokenIssue);
    return this.issueToken.execute({ kind: 'authorizer', componentAppid: componentAppid!, appid, componentToken: body.componentToken });
  }
}
