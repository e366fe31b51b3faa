import type { ValueTransformer } from 'typeorm';

/**
 * For `bigint` epoch-millisecond columns: PostgreSQL returns bigint as a string, SQLite as a
 * number; epoch ms fit a JS number exactly, so both come back as numbers.
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null | undefined) => (value == null ? value : Number(value)),
};
