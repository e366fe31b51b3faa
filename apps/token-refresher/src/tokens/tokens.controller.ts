import { Inject, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { Ctx, MessagePattern, Payload, type NatsContext } from '@nestjs/microservices';
import {
  CREDENTIAL_SUBJECT_PREFIXES,
  credentialFromSubject,
  credentialKey,
  Reason,
  Subjects,
  TokenInvalidateRequest,
  AppTokenIssueRequest,
  AuthorizerTokenIssueRequest,
  ComponentTokenIssueRequest,
  WxgateError,
  parsePayload,
  QUEUE_GROUPS,
  type CredentialRef,
  type TokenReply,
} from '@wxgate/contracts';
import { EncodedReplies, NATS_CONNECTION, NatsController, serveHot, ZodPayload, type HotResponder } from '@wxgate/nats';
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

/** How many `token.get` subjects keep their parsed credential (a bound on memory, not on what is served). */
export const PARSED_SUBJECTS_MAX = 10_000;

/** A `token.get` subject parsed once: the credential it names and that credential's key. */
interface ParsedSubject {
  readonly ref: CredentialRef;
  readonly key: string;
}

/**
 * Both subject forms of one operation are served by the same handler (one subscription each).
 * `token.get` is a hot subject, served outside Nest's pipeline (docs/architecture.md "How subjects
 * are served"); the other subjects are Nest `@MessagePattern`s.
 */
@NatsController()
export class TokensController implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** The encoded reply of each held token, by subject: a warm `token.get` encodes nothing. */
  readonly #encoded = new EncodedReplies();
  /**
   * The credential each valid `token.get` subject names (a pure function of the subject), parsed
   * once. A plain Map, oldest out first when full: a hit does no recency bookkeeping.
   */
  readonly #parsed = new Map<string, ParsedSubject>();
  #hot: HotResponder[] = [];

  constructor(
    private readonly getToken: GetToken,
    private readonly invalidateToken: InvalidateToken,
    private readonly issueToken: IssueTokenToSdk,
    private readonly invalidateIssued: InvalidateIssuedToken,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  onApplicationBootstrap(): void {
    const options = { queue: QUEUE_GROUPS.tokenRefresher };
    const get = (msg: Msg) => this.get(msg.subject);
    this.#hot = [serveHot(this.nc, Subjects.token.getPattern, options, get), serveHot(this.nc, Subjects.token.getPairPattern, options, get)];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.#hot.map((hot) => hot.drain()));
  }

  /** `wxgate.token.get.<kind>.<appid>` and `…authorizer.<componentAppid>.<appid>`; the payload is ignored. */
  get(subject: string): Uint8Array | Promise<TokenReply> {
    const parsed = this.#parsed.get(subject) ?? this.#parse(subject);
    const reply = this.getToken.execute(parsed.ref, parsed.key);
    return reply instanceof Promise ? reply : this.#encoded.encode(subject, reply);
  }

  #parse(subject: string): ParsedSubject {
    const ref = Object.freeze(credentialOf(subject, CREDENTIAL_SUBJECT_PREFIXES.tokenGet));
    const parsed = Object.freeze({ ref, key: credentialKey(ref) });
    if (this.#parsed.size >= PARSED_SUBJECTS_MAX) this.#parsed.delete(this.#parsed.keys().next().value!);
    this.#parsed.set(subject, parsed);
    return parsed;
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
