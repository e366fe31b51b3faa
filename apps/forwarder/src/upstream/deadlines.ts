/** A request with a deadline; the request itself is the list node (nothing is allocated per request). */
export interface Deadline {
  /** `performance.now()` by which it must have its answer's head; 0 while not in a list. */
  deadline: number;
  previousDeadline: Deadline | undefined;
  nextDeadline: Deadline | undefined;
  /** The deadline passed. */
  expire(): void;
}

/**
 * Deadlines of one fixed length (UPSTREAM_TIMEOUT_MS) for every request of an upstream client.
 * Each is "when it was sent + the same ms", so they fall due in the order they were added: one
 * timer for the oldest serves them all, instead of a timer object armed and cleared per request.
 */
export class Deadlines {
  private head: Deadline | undefined;
  private tail: Deadline | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly fire = (): void => this.expireDue();

  constructor(readonly ms: number) {}

  add(entry: Deadline, now: number): void {
    entry.deadline = now + this.ms;
    entry.previousDeadline = this.tail;
    entry.nextDeadline = undefined;
    if (this.tail) this.tail.nextDeadline = entry;
    else this.head = entry;
    this.tail = entry;
    this.timer ??= setTimeout(this.fire, this.ms);
  }

  /** Takes `entry` out (its answer came, or it failed); a no-op when it is not in the list. */
  remove(entry: Deadline): void {
    if (entry.deadline === 0) return;
    entry.deadline = 0;
    const { previousDeadline: previous, nextDeadline: next } = entry;
    if (previous) previous.nextDeadline = next;
    else this.head = next;
    if (next) next.previousDeadline = previous;
    else this.tail = previous;
    entry.previousDeadline = entry.nextDeadline = undefined;
    if (this.head === undefined && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private expireDue(): void {
    this.timer = undefined;
    const now = performance.now();
    let due = this.head;
    while (due !== undefined && due.deadline <= now) {
      this.remove(due);
      due.expire();
      due = this.head;
    }
    if (due !== undefined) this.timer ??= setTimeout(this.fire, Math.max(1, Math.ceil(due.deadline - now)));
  }
}
