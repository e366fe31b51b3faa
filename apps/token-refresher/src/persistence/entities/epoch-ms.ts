import type { ValueTransformer } from 'typeorm';

/** `bigint` epoch-ms columns come back as strings on PostgreSQL: read them as numbers everywhere. */
export const epochMs: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null | undefined) => (v == null ? v : Number(v)),
};
