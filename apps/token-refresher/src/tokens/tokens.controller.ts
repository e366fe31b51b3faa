import { Ctx, MessagePattern, Payload, type NatsContext } from '@nestjs/microservices';
import {
  APPID_PATTERN,
  CREDENTIAL_KINDS,
  credentialFromSubject,
  Reason,
  Subjects,
  TokenInvalidateRequest,
  WxgateError,
  type CredentialKind,
  type TokenReply,
} from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { GetToken } from './get-token.js';
import { InvalidateToken } from './invalidate-token.js';

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
}
