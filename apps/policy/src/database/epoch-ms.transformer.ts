import type { ValueTransformer } from 'typeorm';

/** `bigint` columns come back from PostgreSQL as strings; epoch ms fit a JS number exactly. */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null | undefined) => (value == null ? value : Number(value)),
};
