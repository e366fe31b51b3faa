/**
 * Aborts one call's upstream request(s). undici takes any emitter with `on`/`once`/
 * `removeListener` as a `signal`; this one costs an object, where an AbortController with its
 * EventTarget listener costs ~10 µs per call — a measurable share of a relay's CPU.
 */
export class CallAbort {
  aborted = false;
  reason: Error | undefined = undefined;
  private listeners: (() => void)[] | undefined;

  on(_event: 'abort', listener: () => void): this {
    (this.listeners ??= []).push(listener);
    return this;
  }

  /** Every listener fires at most once: abort happens once. */
  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at !== -1) this.listeners!.splice(at, 1);
    return this;
  }

  abort(reason?: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}
