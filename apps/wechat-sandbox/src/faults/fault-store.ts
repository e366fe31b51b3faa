import { z } from 'zod';

/** `path: "*"` applies a fault to every WeChat path (never to the admin API). */
export const faultSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('latency'), path: z.string().min(1), ms: z.number().int().nonnegative(), count: z.number().int().positive().optional() }),
  z.strictObject({ type: z.literal('errcode'), path: z.string().min(1), errcode: z.number().int(), count: z.number().int().positive().default(1) }),
  z.strictObject({ type: z.literal('reset'), path: z.string().min(1), count: z.number().int().positive().default(1) }),
  z.strictObject({
    type: z.literal('oversized'),
    path: z.string().min(1),
    bytes: z.number().int().positive(),
    chunked: z.boolean().default(false),
    count: z.number().int().positive().default(1),
  }),
]);

export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema>;

/** What to do to one request, merged from the faults of its path and of `*`. */
export interface FaultPlan {
  latencyMs: number;
  reset: boolean;
  errcode?: number;
  oversized?: { bytes: number; chunked: boolean };
}

/**
 * Faults by path. Faults with a `count` fire on that many requests then disappear; a latency
 * without one stays until cleared.
 */
export class FaultStore {
  readonly #faults: Fault[] = [];

  add(input: FaultInput): Fault {
    const fault = faultSchema.parse(input);
    this.#faults.push(fault);
    return fault;
  }

  /** Consumes the faults due for one request to `path`; `undefined` (fast) when there are none. */
  take(path: string): FaultPlan | undefined {
    if (this.#faults.length === 0) return undefined;
    let plan: FaultPlan | undefined;
    const planned = (): FaultPlan => (plan ??= { latencyMs: 0, reset: false });
    for (const fault of [...this.#faults]) {
      if (fault.path !== path && fault.path !== '*') continue;
      switch (fault.type) {
        case 'latency':
          planned().latencyMs += fault.ms;
          break;
        case 'reset':
          if (planned().reset) continue;
          planned().reset = true;
          break;
        case 'errcode':
          if (planned().errcode !== undefined || planned().reset) continue;
          planned().errcode = fault.errcode;
          break;
        case 'oversized':
          if (planned().oversized || planned().reset || planned().errcode !== undefined) continue;
          planned().oversized = { bytes: fault.bytes, chunked: fault.chunked };
          break;
      }
      if (fault.count !== undefined && --fault.count === 0) this.#faults.splice(this.#faults.indexOf(fault), 1);
    }
    return plan;
  }

  list(): Fault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  /** Clears the faults of one path, or all of them. */
  clear(path?: string): void {
    for (let i = this.#faults.length - 1; i >= 0; i--) {
      if (path === undefined || this.#faults[i]!.path === path) this.#faults.splice(i, 1);
    }
  }
}
