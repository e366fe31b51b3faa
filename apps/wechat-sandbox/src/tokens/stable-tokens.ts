import type { Clock } from '@wxgate/platform';
import { FORCE_REFRESH_QUOTA, type Knobs } from '../knobs.js';
import type { QuotaCounter } from './quota-counter.js';
import type { TokenRecord, TokenStore } from './token-store.js';

export type StableOutcome = { ok: true; record: TokenRecord; expiresInS: number } | { ok: false; errcode: number };

/**
 * `/cgi-bin/stable_token`: normal mode hands out the current token while it has at least
 * `stableSwapS` left and never invalidates anyone; `force_refresh` replaces it at once, at most
 * once per `forceRefreshIntervalS` per app (45011) and within its own daily quota (45009).
 */
export class StableTokens {
  readonly #lastForce = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly knobs: Knobs,
    private readonly tokens: TokenStore,
    private readonly quotas: QuotaCounter,
  ) {}

  get(appid: string, forceRefresh: boolean): StableOutcome {
    const id = { kind: 'app', channel: 'stable', appid } as const;
    const now = this.clock.now();
    if (forceRefresh) {
      const last = this.#lastForce.get(appid);
      if (last !== undefined && now - last < this.knobs.forceRefreshIntervalS * 1000) return { ok: false, errcode: 45011 };
      if (!this.quotas.consume(FORCE_REFRESH_QUOTA)) return { ok: false, errcode: 45009 };
      this.#lastForce.set(appid, now);
      const record = this.tokens.issue(id, 'invalidate');
      return { ok: true, record, expiresInS: this.tokens.remainingS(record) };
    }
    const current = this.tokens.current(id);
    if (current && this.tokens.check(current.token).ok && this.tokens.remainingS(current) >= this.knobs.stableSwapS) {
      return { ok: true, record: current, expiresInS: this.tokens.remainingS(current) };
    }
    const record = this.tokens.issue(id, 'keep');
    return { ok: true, record, expiresInS: this.tokens.remainingS(record) };
  }

  clear(): void {
    this.#lastForce.clear();
  }
}
