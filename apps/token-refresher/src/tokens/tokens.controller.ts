import { Ctx, MessagePattern, Payload, type NatsContext } from '@nestjs/microservices';
import {
  CREDENTIAL_SUBJECT_PREFIXES,
  credentialFromSubject,
  Reason,
  Subjects,
  TokenInvalidateRequest,
  WxgateError,
  type CredentialRef,
  type TokenReply,
} from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { GetToken } from './get-token.js';
import { InvalidateToken } from './invalidate-token.js';

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
  ) {}

  @MessagePattern(Subjects.token.getPattern)
  get(@Ctx() ctx: NatsContext): TokenReply | Promise<TokenReply> {
    return this.getToken.run(credentialOf(ctx.getSubject(), CREDENTIAL_SUBJECT_PREFIXES.tokenGet));
  }

  @MessagePattern(Subjects.token.getPairPattern)
  getPair(@Ctx() ctx: NatsContext): TokenReply | Promise<TokenReply> {
    return this.get(ctx);
  }

  @MessagePattern(Subjects.token.invalidatePattern)
  invalidate(@Payload(new ZodPayload(TokenInvalidateRequest)) body: TokenInvalidateRequest, @Ctx() ctx: NatsContext): Promise<TokenReply> {
    return this.invalidateToken.run(credentialOf(ctx.getSubject(), CREDENTIAL_SUBJECT_PREFIXES.tokenInvalidate), body.token);
  }

  @MessagePattern(Subjects.token.invalidatePairPattern)
  invalidatePair(@Payload(new ZodPayload(TokenInvalidateRequest)) body: TokenInvalidateRequest, @Ctx() ctx: NatsContext): Promise<TokenReply> {
    return this.invalidate(body, ctx);
  }
}
