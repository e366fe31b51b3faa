import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, Clock } from '@wxgate/platform';
import type { RefresherConfig } from '../config.js';

/**
 * A global pace for proactive refreshes (REFRESH_MAX_PER_S): callers are spaced evenly, so
 * thousands of tokens that fall due together reach WeChat as a steady trickle, never a burst.
 */
@Injectable()
export class UpstreamRateLimiter {
  readonly #spacingMs: number;
  #nextSlot = 0;

  constructor(
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: RefresherConfig,
  ) {
    this.#spacingMs = 1000 / config.REFRESH_MAX_PER_S;
  }

  /** Resolves when the caller may make its call. */
  async take(): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.#nextSlot);
    this.#nextSlot = slot + this.#spacingMs;
    if (slot > now) await this.clock.sleep(slot - now);
  }
}
