import type { CredentialKind } from '@wxgate/contracts';

/**
 * stable_token's normal mode hands out the current token until less than 300 s of it are left
 * (docs/wechat-protocol.md). An app token is refreshed 200 s before its served expiry, which is 60 s before
 * WeChat's and may be moved up to 30 s earlier by jitter: WeChat then has at most 290 s left, so
 * the call always gets the next token — one call per token lifetime.
 */
export const APP_REFRESH_AHEAD_MS = 200_000;
/** stable_token force_refresh: at most one per 30 s per app (docs/wechat-protocol.md). */
export const APP_FORCE_REFRESH_INTERVAL_MS = 30_000;
const SAFETY_MARGIN_MS = 60_000;

/**
 * Until when a token is served: WeChat's expiry minus a safety margin of 60 s, but at most half the
 * lifetime (a 2-second test token would otherwise be born expired).
 */
export function servedUntil(answeredAt: number, expiresInS: number): number {
  const lifetime = Math.max(0, expiresInS * 1000);
  return answeredAt + lifetime - Math.min(SAFETY_MARGIN_MS, lifetime / 2);
}

/**
 * How long before `expiresAt` a token is refreshed proactively: REFRESH_MARGIN_S for component and
 * authorizer tokens, 200 s for app tokens (see above) — each capped at half the served lifetime. Without the
 * cap a lifetime shorter than the margin would be "due" the moment it was minted and the
 * refresher would loop on WeChat; with it a token is refreshed at the latest halfway.
 */
export function refreshAheadMs(kind: CredentialKind, servedLifetimeMs: number, marginMs: number): number {
  const ahead = kind === 'app' ? APP_REFRESH_AHEAD_MS : marginMs;
  return Math.min(ahead, Math.max(0, servedLifetimeMs) / 2);
}

const MAX_JITTER_MS = 30_000;

/**
 * How much earlier than its due time a replica may refresh a token: a random share of this
 * window (10 % of the refresh-ahead time, at most 30 s) spreads tokens minted together, and lets
 * one replica go first while the others find the token already fresh.
 */
export function jitterWindowMs(kind: CredentialKind, t: TokenTimes, marginMs: number): number {
  if (t.expiresAt === undefined) return 0;
  return Math.min(MAX_JITTER_MS, 0.1 * refreshAheadMs(kind, t.expiresAt - (t.obtainedAt ?? t.expiresAt), marginMs));
}

export interface TokenTimes {
  obtainedAt?: number;
  expiresAt?: number;
}

/** When a token becomes due for a proactive refresh, or undefined when there is none. */
export function dueAt(kind: CredentialKind, t: TokenTimes, marginMs: number): number | undefined {
  if (t.expiresAt === undefined) return undefined;
  const lifetime = t.expiresAt - (t.obtainedAt ?? t.expiresAt);
  return t.expiresAt - refreshAheadMs(kind, lifetime, marginMs);
}

export function isServable(t: TokenTimes & { token?: string }, now: number): t is TokenTimes & { token: string; expiresAt: number } {
  return t.token !== undefined && t.expiresAt !== undefined && t.expiresAt > now;
}
