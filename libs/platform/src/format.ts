/** Durations and times as operators read them (CLI and console alike). */

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
