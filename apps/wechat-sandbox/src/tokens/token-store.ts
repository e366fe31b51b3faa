import { randomBytes } from 'node:crypto';
import type { Clock } from '@wxgate/platform';
import type { Knobs } from '../knobs.js';

export type TokenKind = 'component' | 'authorizer' | 'app';
/** Where a token came from: `/cgi-bin/token` and `stable_token` tokens are separate in WeChat. */
export type TokenChannel = 'component' | 'authorizer' | 'token' | 'stable';

export interface TokenIdentity {
  kind: TokenKind;
  channel: TokenChannel;
  appid: string;
  /** For authorizer tokens: the component the authorization belongs to. */
  componentAppid?: string;
}

export interface TokenRecord extends TokenIdentity {
  token: string;
  issuedAt: number;
  expiresAt: number;
  /** Set when superseded or revoked: the token answers 40001 from then on. */
  invalidAt?: number;
}

export type TokenCheck = { ok: true; record: TokenRecord } | { ok: false; errcode: number };

/** WeChat's tokens: digits, `_`, then URL-safe base64; anything else is 40014. */
const TOKEN_SHAPE = /^[0-9]{1,4}_[A-Za-z0-9_-]{16,600}$/;
const PRUNE_EVERY_MS = 60_000;
const KEEP_AFTER_EXPIRY_MS = 24 * 3600_000;

export function identityKey(id: Pick<TokenIdentity, 'channel' | 'appid' | 'componentAppid'>): string {
  return id.componentAppid ? `${id.channel}:${id.componentAppid}:${id.appid}` : `${id.channel}:${id.appid}`;
}

/** Every token ever issued, found by value in O(1), plus the current one per identity. */
export class TokenStore {
  readonly #byToken = new Map<string, TokenRecord>();
  readonly #current = new Map<string, TokenRecord>();
  #lastPrune = 0;

  constructor(
    private readonly clock: Clock,
    private readonly knobs: Knobs,
  ) {}

  /**
   * Mints a new token for `id`. What happens to the one it replaces: `overlap` (default) — it
   * keeps working for the overlap window; `invalidate` — it stops at once (stable_token's
   * force_refresh); `keep` — it lives out its lifetime (stable_token's normal-mode swap).
   */
  issue(id: TokenIdentity, previousFate: 'overlap' | 'invalidate' | 'keep' = 'overlap'): TokenRecord {
    const now = this.clock.now();
    this.#prune(now);
    const key = identityKey(id);
    const previous = this.#current.get(key);
    if (previous && previousFate !== 'keep' && (previous.invalidAt === undefined || previous.invalidAt > now)) {
      previous.invalidAt = previousFate === 'invalidate' ? now : Math.min(previous.invalidAt ?? Infinity, now + this.knobs.overlapS * 1000);
    }
    const record: TokenRecord = {
      kind: id.kind,
      channel: id.channel,
      appid: id.appid,
      ...(id.componentAppid ? { componentAppid: id.componentAppid } : {}),
      token: `${90 + Math.floor(Math.random() * 9)}_${randomBytes(96).toString('base64url')}`,
      issuedAt: now,
      expiresAt: now + this.knobs.tokenTtlS * 1000,
    };
    this.#byToken.set(record.token, record);
    this.#current.set(key, record);
    return record;
  }

  current(id: Pick<TokenIdentity, 'channel' | 'appid' | 'componentAppid'>): TokenRecord | undefined {
    return this.#current.get(identityKey(id));
  }

  get(token: string): TokenRecord | undefined {
    return this.#byToken.get(token);
  }

  /** WeChat's checks in WeChat's order: 41001 missing, 40014 malformed, 40001 unknown or superseded, 42001 expired. */
  check(token: string | null | undefined): TokenCheck {
    if (!token) return { ok: false, errcode: 41001 };
    const record = this.#byToken.get(token);
    if (!record) return { ok: false, errcode: TOKEN_SHAPE.test(token) ? 40001 : 40014 };
    const now = this.clock.now();
    if (record.invalidAt !== undefined && record.invalidAt <= now) return { ok: false, errcode: 40001 };
    if (record.expiresAt <= now) return { ok: false, errcode: 42001 };
    return { ok: true, record };
  }

  /** Seconds the token has left (never below 0). */
  remainingS(record: TokenRecord): number {
    return Math.max(0, Math.floor((record.expiresAt - this.clock.now()) / 1000));
  }

  /** Makes the token answer 42001 from now on. */
  expire(token: string): boolean {
    const record = this.#byToken.get(token);
    if (!record) return false;
    record.expiresAt = Math.min(record.expiresAt, this.clock.now());
    return true;
  }

  /**
   * As if another party refreshed the credential: a new current token exists and this one answers
   * 40001 at once (no overlap), which is what a caller holding a stale token sees.
   */
  supersede(token: string): TokenRecord | undefined {
    const record = this.#byToken.get(token);
    if (!record) return undefined;
    const now = this.clock.now();
    if (this.#current.get(identityKey(record)) === record) {
      this.issue(record, 'invalidate');
    }
    record.invalidAt = Math.min(record.invalidAt ?? now, now);
    return record;
  }

  /** Ends every token of an identity at once (an authorizer revoking its authorization). */
  revoke(id: Pick<TokenIdentity, 'channel' | 'appid' | 'componentAppid'>): void {
    const now = this.clock.now();
    const key = identityKey(id);
    for (const record of this.#byToken.values()) {
      if (identityKey(record) === key && (record.invalidAt === undefined || record.invalidAt > now)) record.invalidAt = now;
    }
    this.#current.delete(key);
  }

  get size(): number {
    return this.#byToken.size;
  }

  currentTokens(): TokenRecord[] {
    return [...this.#current.values()];
  }

  clear(): void {
    this.#byToken.clear();
    this.#current.clear();
  }

  /** Forgets tokens dead for a day; until then they still answer 42001/40001 rather than 40001. */
  #prune(now: number): void {
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    for (const [token, record] of this.#byToken) {
      const deadAt = Math.min(record.expiresAt, record.invalidAt ?? Infinity);
      if (deadAt + KEEP_AFTER_EXPIRY_MS < now) this.#byToken.delete(token);
    }
  }
}
