import { Injectable } from '@nestjs/common';
import type { CredentialRef } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { TokenStateRepository } from '../persistence/token-state.repository.js';
import { RefreshSchedule } from './refresh-schedule.js';
import { TokenKeeper } from './token-keeper.js';
import { UpstreamRateLimiter } from './upstream-rate-limiter.js';

/**
 * One proactive step for one credential: refresh the token when it is due (and not backing off,
 * and no other replica holds its lease), at the pace of UpstreamRateLimiter. Returns when to
 * look again (RefreshSchedule), or undefined when there is nothing to keep fresh (no token yet,
 * unauthorized, deleted).
 */
@Injectable()
export class RefreshDueToken {
  constructor(
    private readonly keeper: TokenKeeper,
    private readonly schedule: RefreshSchedule,
    private readonly tokens: TokenStateRepository,
    private readonly credentials: CredentialRepository,
    private readonly limiter: UpstreamRateLimiter,
    private readonly clock: Clock,
  ) {}

  async execute(ref: CredentialRef): Promise<number | undefined> {
    let state = await this.tokens.read(ref);
    if (!state?.token) return undefined;
    if (ref.kind === 'authorizer' && (await this.credentials.authorizer({ componentAppid: ref.componentAppid!, appid: ref.appid }))?.status !== 'authorized') {
      return undefined;
    }
    const at = this.schedule.nextLook(ref, state);
    if (at === undefined || at > this.clock.now()) return at;
    await this.limiter.take();
    try {
      await this.keeper.refresh(ref, { proactive: true, earlyMs: this.schedule.earlyMs(ref, state) });
    } catch {
      // Recorded with its backoff in the token state; the token keeps being served while valid.
    }
    state = await this.tokens.read(ref);
    return state?.token ? this.schedule.nextLook(ref, state) : undefined;
  }
}
