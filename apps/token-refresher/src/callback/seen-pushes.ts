/**
 * Pushes already published, per component, for the replay window: WeChat re-sends what it
 * thinks failed, unchanged. Bounded: the oldest entries go first when the map is full, so a flood
 * of valid-looking pushes costs memory up to `maxEntries` and no more (a forgotten push is only
 * republished under the same JetStream message id, which the stream deduplicates).
 */
export class SeenPushes {
  readonly #expiresAt = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  has(key: string, now: number): boolean {
    const expiresAt = this.#expiresAt.get(key);
    return expiresAt !== undefined && expiresAt > now;
  }

  add(key: string, now: number): void {
    this.#evictExpired(now);
    this.#expiresAt.delete(key);
    this.#expiresAt.set(key, now + this.windowMs);
    while (this.#expiresAt.size > this.maxEntries) {
      this.#expiresAt.delete(this.#expiresAt.keys().next().value!);
    }
  }

  get size(): number {
    return this.#expiresAt.size;
  }

  /** Entries are kept in insertion order and share one window, so expired ones are at the front. */
  #evictExpired(now: number): void {
    for (const [key, expiresAt] of this.#expiresAt) {
      if (expiresAt > now) return;
      this.#expiresAt.delete(key);
    }
  }
}
