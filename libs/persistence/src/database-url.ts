import path from 'node:path';
import { z } from 'zod';

export type DatabaseTarget =
  | { type: 'sqlite'; file: string }
  | { type: 'postgres'; url: string; schema?: string };

/** `sqlite:./data/x.sqlite`, `sqlite:/abs/x.sqlite`, `postgres://user@host:port/db[?schema=s]`. */
export function parseDatabaseUrl(value: string, cwd = process.cwd()): DatabaseTarget {
  if (value.startsWith('sqlite:')) {
    const file = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new Error('sqlite: needs a file path');
    return { type: 'sqlite', file: path.resolve(cwd, file) };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    const url = new URL(value);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    return { type: 'postgres', url: url.toString(), schema };
  }
  throw new Error('must start with sqlite: or postgres://');
}

/** The `DATABASE_URL` variable for app `app` (README "Configuration" default `sqlite:./data/<app>.sqlite`). */
export const databaseUrl = (app: string) =>
  z
    .string()
    .default(`sqlite:./data/${app}.sqlite`)
    .transform((value, ctx) => {
      try {
        return parseDatabaseUrl(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });
