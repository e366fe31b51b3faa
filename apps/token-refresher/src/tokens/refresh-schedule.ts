import { Inject, Injectable } from '@nestjs/common';
import { credentialKey, type CredentialRef } from '@wxgate/contracts';
import { APP_CONFIG, Clock } from '@wxgate/platform';
import type { RefresherConfig } from '../config.js';
import type { TokenSchedule } from '../persistence/token-state.repository.js';
import { TokenLease } from './token-lease.js';
import { dueAt, jitterWindowMs } from './token-timing.js';

export type TokenTimesAndLease = Pick<TokenSchedule, 'obtainedAt' | 'expiresAt' | 'nextAttemptAt' | 'leaseHolder' | 'leaseUntil'>;

/**
 * When this replica looks at a token next: its due time made earlier by this replica's own
 * jitter for that token (drawn once per token, so replicas do not race and tokens minted
 * together are not refreshed together), or the end of a backoff or of another holder's lease.
 */
@Injectable()
export class RefreshSchedule {
  readonly #marginMs: number;
  readonly #fractions = new Map<string, { obtainedAt: number; fraction: number }>();

  constructor(
    private readonly lease: TokenLease,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: RefresherConfig,
  ) {
    this.#marginMs = config.REFRESH_MARGIN_S * 1000;
  }

  nextLook(ref: CredentialRef, state: TokenTimesAndLease): number | undefined {
    if (state.expiresAt === undefined) return undefined;
    let at = (dueAt(ref.kind, state, this.#marginMs) ?? state.expiresAt) - this.earlyMs(ref, state);
    if (state.nextAttemptAt !== undefined) at = Math.max(at, state.nextAttemptAt);
    if (state.leaseUntil !== undefined && !this.lease.isOurs(state.leaseHolder)) at = Math.max(at, state.leaseUntil);
    return at;
  }

  /** How much before its due time this replica refreshes the token: a random share of the jitter window. */
  earlyMs(ref: CredentialRef, state: TokenTimesAndLease): number {
    const key = credentialKey(ref);
    const obtainedAt = state.obtainedAt ?? 0;
    let drawn = this.#fractions.get(key);
    if (drawn?.obtainedAt !== obtainedAt) {
      drawn = { obtainedAt, fraction: this.clock.random() };
      this.#fractions.set(key, drawn);
    }
    return Math.floor(drawn.fraction * jitterWindowMs(ref.kind, state, this.#marginMs));
  }
}
