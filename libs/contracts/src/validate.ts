import type { z } from 'zod';
import { WxgateError } from './errors.js';
import { Reason } from './reasons.js';

/** Marks a NATS payload that was not JSON (set by the plain-JSON deserializer). */
export const NOT_JSON = Symbol.for('wxgate.not-json');

/**
 * Parses `data` with `schema` or throws a BAD_REQUEST WxgateError naming every bad field.
 * The message names fields and rules, never the values (they may be secrets).
 */
export function parsePayload<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  if (typeof data === 'object' && data !== null && NOT_JSON in data) {
    throw new WxgateError(Reason.BAD_REQUEST, 'payload is not JSON');
  }
  const result = schema.safeParse(data ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'payload';
    const rule = issue.code === 'invalid_type' && /received undefined$/.test(issue.message) ? 'is required' : issue.message;
    return `${field} ${rule}`;
  });
  throw new WxgateError(Reason.BAD_REQUEST, problems.join('; '));
}
