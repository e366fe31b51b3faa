import { Inject, Injectable } from '@nestjs/common';
import type { CredentialKind } from '@wxgate/contracts';
import { Clock } from '../adapters/clock.js';
import { LEASE_HOLDER } from '../adapters/lease-holder.js';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { TokenStateRepository, type TokenSchedule } from '../persistence/token-state.repository.js';
import { TokenKeeper } from './token-keeper.js';
import { dueAt } from './token-timing.js';
import { UpstreamRateLimiter } from './upstream-rate-limiter.js';

/**
 * One proactive step for one credential: refresh the token when it is due (and not backing off,
 * and no other replica holds its lease). Returns when to look again, or undefined when there is
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

  /** When `state` next needs a look (due time, end of backoff or of another holder's lease). */
  nextLook(kind: CredentialKind, state: Omit<TokenSchedule, 'hasToken'> & { hasToken?: boolean; token?: string }): number | undefined {
    if (state.expiresAt === undefined) return undefined;
    let at = dueAt(kind, state, this.keeper.marginMs) ?? state.expiresAt;
    if (state.nextAttemptAt !== undefined) at = Math.max(at, state.nextAttemptAt);
    if (state.leaseUntil !== undefined && !state.leaseHolder?.startsWith(`${this.holder}#`)) at = Math.max(at, state.leaseUntil);
    return at;
  }

  async run(kind: CredentialKind, appid: string): Promise<number | undefined> {
    let state = await this.tokens.read(kind, appid);
    if (!state?.token) return undefined;
    if (kind === 'authorizer' && (await this.credentials.authorizer(appid))?.status !== 'authorized') return undefined;
    const at = this.nextLook(kind, state);
    if (at === undefined || at > this.clock.now()) return at;
    await this.limiter.take();
    try {
      await this.keeper.refresh(kind, appid, { proactive: true });
    } catch {
      // Recorded with its backoff in the token state; the token keeps being served while valid.
    }
    state = await this.tokens.read(kind, appid);
    return state?.token ? this.nextLook(kind, state) : undefined;
  }
}
