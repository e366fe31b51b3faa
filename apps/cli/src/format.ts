import Table from 'cli-table3';

// Shared with the console; the lib's file, not its index (which loads NestJS).
export { age, formatDuration, formatTime, timeLeft } from '../../../libs/platform/src/format.js';

const plainStyle = { head: [] as string[], border: [] as string[], compact: true };

/** What every listing prints when it has nothing to list. */
export const NONE = '(none)';

/** One item a line, or `(none)`. */
export function lines(items: string[]): string {
  return items.length ? items.join('\n') : NONE;
}

/** A table with a header row, or `(none)` without rows; plain (no colours) so it reads the same in a pipe or a log. */
export function table(head: string[], rows: (string | number)[][]): string {
  if (rows.length === 0) return NONE;
  const t = new Table({ head, style: plainStyle });
  t.push(...rows.map((r) => r.map(String)));
  return t.toString();
}

/** A two-column key/value table for one record. */
export function record(pairs: [string, string | number][]): string {
  const t = new Table({ style: plainStyle });
  for (const [k, v] of pairs) t.push({ [k]: String(v) });
  return t.toString();
}
