import type { Clock } from '@wxgate/platform';
import type { Knobs } from '../knobs.js';

const DAY_MS = 86_400_000;
/** WeChat's quota day starts at midnight Beijing time (UTC+8). */
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** Daily call counters per path; a path with a limit in the knobs answers 45009 past it. */
export class QuotaCounter {
  readonly #counts = new Map<string, number>();
  #day = -1;

  constructor(
    private readonly clock: Clock,
    private readonly knobs: Knobs,
  ) {}

  /** Counts one call; false when the day's limit was already reached. */
  consume(key: string): boolean {
    const day = Math.floor((this.clock.now() + BEIJING_OFFSET_MS) / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#counts.clear();
    }
    const used = this.#counts.get(key) ?? 0;
    const limit = this.knobs.quotas[key];
    if (limit !== undefined && used >= limit) return false;
    this.#counts.set(key, used + 1);
    return true;
  }

  /** Calls counted today against each key, with its limit. */
  usage(): Record<string, { used: number; limit: number | null }> {
    const out: Record<string, { used: number; limit: number | null }> = {};
    for (const [key, used] of this.#counts) out[key] = { used, limit: this.knobs.quotas[key] ?? null };
    return out;
  }

  reset(): void {
    this.#counts.clear();
  }
}
