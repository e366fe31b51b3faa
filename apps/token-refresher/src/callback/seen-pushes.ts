import { LRUCache } from 'lru-cache';

/**
 * Pushes already published, per component, for the replay window: WeChat re-sends what it
 * thinks failed, unchanged. Bounded (an LRU of `maxEntries`): the oldest entries go first when it
 * is full, so a flood of valid-looking pushes costs memory up to `maxEntries` and no more (a
 * forgotten push is only republished under the same JetStream message id, which the stream
 * deduplicates). Time is the caller's (`now`), so tests need no real waiting.
 */
export class SeenPushes {
  /** key → when it stops counting as seen. */
  readonly #expiresAt: LRUCache<string, number>;

  constructor(
    private readonly windowMs: number,
    maxEntries: number,
  ) {
    this.#expiresAt = new LRUCache({ max: maxEntries });
  }

  has(key: string, now: number): boolean {
    const expiresAt = this.#expiresAt.peek(key);
    return expiresAt !== undefined && expiresAt > now;
  }

  add(key: string, now: number): void {
    this.#evictExpired(now);
    this.#expiresAt.set(key, now + this.windowMs);
  }

  get size(): number {
    return this.#expiresAt.size;
  }

  /** Entries are only ever set, never read with `get`, and share one window: the expired ones are the oldest. */
  #evictExpired(now: number): void {
    const expired: string[] = [];
    for (const key of this.#expiresAt.rkeys()) {
      if ((this.#expiresAt.peek(key) ?? 0) > now) break;
      expired.push(key);
    }
    for (const key of expired) this.#expiresAt.delete(key);
  }
}
