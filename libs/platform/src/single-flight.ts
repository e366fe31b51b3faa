/**
 * Concurrent calls with one key share one run (in this process): the first caller starts the
 * work, the others get its promise, and the key is free again once it settles.
 */
export class SingleFlight<K, T> {
  readonly #running = new Map<K, Promise<T>>();

  run(key: K, work: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key);
    if (running) return running;
    const promise = work().finally(() => this.#running.delete(key));
    this.#running.set(key, promise);
    return promise;
  }

  /** The run in flight for `key`, if any. */
  get(key: K): Promise<T> | undefined {
    return this.#running.get(key);
  }

  get size(): number {
    return this.#running.size;
  }
}
