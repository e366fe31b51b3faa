import { Inject, Injectable } from '@nestjs/common';
import type { CredentialRef } from '@wxgate/contracts';
import { APP_CONFIG, Clock } from '@wxgate/platform';
import { LEASE_HOLDER } from '../adapters/lease-holder.js';
import type { RefresherConfig } from '../config.js';
import { TokenStateRepository, type TokenState } from '../persistence/token-state.repository.js';

const WAIT_POLL_MS = 100;
/** How much longer than one lease TTL a waiter waits for another holder's result. */
const WAIT_GRACE_MS = 5_000;

/**
 * What a waiter makes of the row it polled while another holder has the lease: an answer ends
 * the wait; undefined waits on. `timedOut` is true on the last poll (one TTL + 5 s after the
 * refresh started), where undefined fails the refresh.
 */
export type LeaseWait<T> = (state: TokenState | undefined, now: number, timedOut: boolean) => T | undefined;

/**
 * The per-credential refresh lease in the database (docs/scale-out.md): across the replicas
 * sharing the database exactly one runs a refresh at a time, the others wait for what it stores.
 * Every attempt gets its own holder name, so two flights of this process (a get and a proactive
 * refresh) exclude each other like two replicas do.
 */
@Injectable()
export class TokenLease {
  readonly ttlMs: number;
  #attempts = 0;

  constructor(
    private readonly tokens: TokenStateRepository,
    private readonly clock: Clock,
    @Inject(LEASE_HOLDER) private readonly holder: string,
    @Inject(APP_CONFIG) config: RefresherConfig,
  ) {
    this.ttlMs = config.REFRESH_LEASE_TTL_MS;
  }

  /** Whether a lease holder name is one of this process's (its own leases are not waited for). */
  isOurs(leaseHolder: string | undefined): boolean {
    return leaseHolder?.startsWith(`${this.holder}#`) ?? false;
  }

  /**
   * Runs `work` while holding the lease of `ref` (its row must exist). While another holder has
   * it, polls the row every 100 ms and asks `wait` what to make of it; a lease that lapses (its
   * holder died) is taken over.
   */
  async hold<T>(ref: CredentialRef, startedAt: number, work: () => Promise<T>, wait: LeaseWait<T>): Promise<T> {
    const deadline = startedAt + this.ttlMs + WAIT_GRACE_MS;
    const holder = `${this.holder}#${++this.#attempts}`;
    for (;;) {
      if (await this.tokens.acquireLease(ref, holder, this.clock.now(), this.ttlMs)) {
        const renewing = this.#renew(ref, holder);
        try {
          return await work();
        } finally {
          clearInterval(renewing);
          await this.tokens.releaseLease(ref, holder).catch(() => undefined);
        }
      }
      const state = await this.tokens.read(ref);
      const polled = this.clock.now();
      const answer = wait(state, polled, polled >= deadline);
      if (answer !== undefined) return answer;
      await this.clock.sleep(WAIT_POLL_MS);
    }
  }

  /**
   * Extends the lease every third of its TTL while the work runs, so the TTL only has to outlive
   * a missed renewal, not a slow WeChat call: a holder that dies lets waiters on other replicas
   * take over within one TTL, which stays shorter than a relay's token request.
   */
  #renew(ref: CredentialRef, holder: string): NodeJS.Timeout {
    const timer = setInterval(() => {
      void this.tokens.acquireLease(ref, holder, this.clock.now(), this.ttlMs).catch(() => undefined);
    }, Math.max(100, Math.floor(this.ttlMs / 3)));
    timer.unref();
    return timer;
  }
}
