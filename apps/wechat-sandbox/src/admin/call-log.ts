import type { Clock } from '@wxgate/platform';
import type { Knobs } from '../knobs.js';

export interface CallRecord {
  method: string;
  path: string;
  /** The query string with every credential replaced by `***`. */
  query: string;
  /** Epoch ms. */
  at: number;
  /** WeChat's errcode of the answer (0 for a success), `null` when the connection was cut. */
  errcode: number | null;
}

const SECRET_PARAM = /token|secret|ticket|code|key/i;

export function maskQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  return rawQuery
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      return SECRET_PARAM.test(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=***` : pair;
    })
    .join('&');
}

/**
 * Calls to WeChat paths: counts per path (always kept, cheap) and, unless the log is off for
 * benchmarks, the calls themselves (the newest `callLogMax`).
 */
export class CallLog {
  readonly #counts = new Map<string, number>();
  #calls: CallRecord[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly knobs: Knobs,
  ) {}

  record(method: string, path: string, rawQuery: string, errcode: number | null): void {
    this.#counts.set(path, (this.#counts.get(path) ?? 0) + 1);
    if (!this.knobs.callLog) return;
    this.#calls.push({ method, path, query: maskQuery(rawQuery), at: this.clock.now(), errcode });
    if (this.#calls.length > this.knobs.callLogMax * 2) this.#calls = this.#calls.slice(-this.knobs.callLogMax);
  }

  count(path: string): number {
    return this.#counts.get(path) ?? 0;
  }

  snapshot(): { counts: Record<string, number>; calls: CallRecord[] } {
    return { counts: Object.fromEntries(this.#counts), calls: this.#calls.slice(-this.knobs.callLogMax) };
  }

  clear(): void {
    this.#counts.clear();
    this.#calls = [];
  }
}
