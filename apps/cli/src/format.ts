import Table from 'cli-table3';

/** `1h 59m`, `4m 10s`, `42s`. Two units at most: enough for an operator. */
export function formatDuration(ms: number): string {
  let s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.slice(0, 2).join(' ');
}

/** Epoch ms as `2026-11-21 07:30:00Z` (UTC, second precision); `-` when unknown. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || ms === null) return '-';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export function timeLeft(expiresAt: number | undefined, now = Date.now()): string {
  if (expiresAt === undefined || expiresAt === null) return '-';
  return expiresAt <= now ? 'expired' : formatDuration(expiresAt - now);
}

export function age(at: number | undefined, now = Date.now()): string {
  return at === undefined || at === null ? 'never' : `${formatDuration(Math.max(now - at, 1000))} ago`;
}

const plainStyle = { head: [] as string[], border: [] as string[], compact: true };

/** A table with a header row; plain (no colours) so it reads the same in a pipe or a log. */
export function table(head: string[], rows: (string | number)[][]): string {
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
