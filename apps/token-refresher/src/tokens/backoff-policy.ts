import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, Clock } from '@wxgate/platform';
import type { RefresherConfig } from '../config.js';

const BACKOFF_BASE_MS = 1_000;

/** Exponential backoff after the n-th consecutive failure (1 s, 2 s, 4 s… up to `maxMs`), ±20 % jitter. */
export function backoffMs(failures: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * When a credential whose refreshes fail may call WeChat again (REFRESH_BACKOFF_MAX_S). The
 * attempt time is stored with the failure in the token state, so every replica backs off alike.
 */
@Injectable()
export class BackoffPolicy {
  readonly #maxMs: number;

  constructor(
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: RefresherConfig,
  ) {
    this.#maxMs = config.REFRESH_BACKOFF_MAX_S * 1000;
  }

  /** The next attempt after the `failures`-th failure in a row, which happened `at`. */
  nextAttemptAt(failures: number, at: number): number {
    return at + backoffMs(failures, this.#maxMs, () => this.clock.random());
  }

  /** Whether a stored state is still inside its backoff at `now`. */
  backingOff(state: { nextAttemptAt?: number } | undefined, now: number): boolean {
    return state?.nextAttemptAt !== undefined && state.nextAttemptAt > now;
  }
}
