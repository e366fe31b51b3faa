import { Inject, Injectable } from '@nestjs/common';
import { credentialKey, type CredentialRef } from '@wxgate/contracts';
import { Clock } from '../adapters/clock.js';
import { LEASE_HOLDER } from '../adapters/lease-holder.js';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { TokenStateRepository, type TokenSchedule } from '../persistence/token-state.repository.js';
import { TokenKeeper } from './token-keeper.js';
import { dueAt, jitterWindowMs } from './token-timing.js';
import { UpstreamRateLimiter } from './upstream-rate-limiter.js';

/**
 * One proactive step for one credential: refresh the token when it is due (and not backing off,
 * and no other replica holds its lease). Each replica draws its own jitter per token, so replicas
 * do not race and tokens minted together are not refreshed together. Returns when to look again, or undefined when there is
 * nothing to keep fresh (no token yet, unauthorized, deleted).
 */
@Injectable()
export class RefreshDueToken {
  constructor(
    private readonly keeper: TokenKeeper,
    private readonly tokens: TokenStateRepository,
    private readonly credentials: CredentialRepository,
    private readonly limiter: UpstreamRateLimiter,
    private readonly clock: Clock,
    @Inject(LEASE_HOLDER) private readonly holder: string,
  ) {}

  readonly #fractions = new Map<string, { obtainedAt: number; fraction: number }>();

  /**
   * When `state` next needs a look: its due time made earlier by this replica's jitter for this
   * token, or the end of a backoff or of another holder's lease.
   */
  nextLook(ref: CredentialRef, state: TokenTimesAndLease): number | undefined {
    if (state.expiresAt === undefined) return undefined;
    let at = (dueAt(ref.kind, state, this.keeper.marginMs) ?? state.expiresAt) - this.#earlyMs(ref, state);
    if (state.nextAttemptAt !== undefined) at = Math.max(at, state.nextAttemptAt);
    if (state.leaseUntil !== undefined && !state.leaseHolder?.startsWith(`${this.holder}#`)) at = Math.max(at, state.leaseUntil);
    return at;
  }

  async run(ref: CredentialRef): Promise<number | undefined> {
    let state = await this.tokens.read(ref);
    if (!state?.token) return undefined;
    if (ref.kind === 'authorizer' && (await this.credentials.authorizer({ componentAppid: ref.componentAppid!, appid: ref.appid }))?.status !== 'authorized') {
      return undefined;
    }
    const at = this.nextLook(ref, state);
    if (at === undefined || at > this.clock.now()) return at;
    await this.limiter.take();
    try {
      await this.keeper.refresh(ref, { proactive: true, earlyMs: this.#earlyMs(ref, state) });
    } catch {
      // Recorded with its backoff in the token state; the token keeps being served while valid.
    }
    state = await this.tokens.read(ref);
    return state?.token ? this.nextLook(ref, state) : undefined;
  }

  /** A random share of the jitter window, drawn once per token (a new token draws again). */
  #earlyMs(ref: CredentialRef, state: TokenTimesAndLease): number {
    const key = credentialKey(ref);
    const obtainedAt = state.obtainedAt ?? 0;
    let drawn = this.#fractions.get(key);
    if (drawn?.obtainedAt !== obtainedAt) {
      drawn = { obtainedAt, fraction: this.clock.random() };
      this.#fractions.set(key, drawn);
    }
    return Math.floor(drawn.fraction * jitterWindowMs(ref.kind, state, this.keeper.marginMs));
  }
}

type TokenTimesAndLease = Pick<TokenSchedule, 'obtainedAt' | 'expiresAt' | 'nextAttemptAt' | 'leaseHolder' | 'leaseUntil'>;
