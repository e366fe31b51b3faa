import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a sign-in attempt with the configured password in constant time: both are hashed
 * first, so neither the length nor the first differing byte shows in the timing.
 */
export function passwordMatches(attempt: unknown, password: string): boolean {
  if (typeof attempt !== 'string' || attempt.length > 1024) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(attempt), digest(password));
}

/** Constant-time equality of two tokens (CSRF, session ids). */
export function tokensEqual(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
