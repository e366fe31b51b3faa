import { credentialKey, type CredentialRef, type TokenReply } from '@wxgate/contracts';

/**
 * How long an entry is served without looking at the database again. Drops arrive as events
 * within milliseconds; this bounds what a lost event (a failed publish, a reconnect) can cost,
 * at one database read per credential per interval.
 */
export const CACHE_RECHECK_MS = 5_000;

interface Entry {
  /** Frozen: the held object never changes, a changed token is a new entry (EncodedReplies keeps its bytes by identity). */
  reply: Readonly<TokenReply>;
  /** Served while now < until: the token's due time (never past its expiry). */
  until: number;
  /** When the database (or this process's write) last vouched for it. */
  checkedAt: number;
}

/**
 * The current token of each credential, decrypted, in memory: a warm `token.get` reads this map
 * and nothing else. An entry is served until the token falls due (so a due token goes the
 * database path that schedules its proactive refresh), never past its expiry, and at most
 * CACHE_RECHECK_MS after the database last vouched for it. A drop bumps the credential's
 * generation, so a database read that started before the drop cannot put the old token back.
 */
export class HeldTokens {
  /** By credentialKey. */
  readonly #entries = new Map<string, Entry>();
  readonly #generations = new Map<string, number>();

  constructor(private readonly recheckMs = CACHE_RECHECK_MS) {}

  /** `key` is `credentialKey(ref)`, for a caller that keeps it (the hot `token.get` path builds no string). */
  get(ref: CredentialRef, now: number, key = credentialKey(ref)): TokenReply | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (now < entry.until && now - entry.checkedAt < this.recheckMs) return entry.reply;
    this.#entries.delete(key);
    return undefined;
  }

  /** Take before reading the database; pass to `put` with what was read. */
  generation(ref: CredentialRef): number {
    return this.#generations.get(credentialKey(ref)) ?? 0;
  }

  /** Keeps `reply` until `until`, unless the credential was dropped since `generation` was taken. */
  put(reply: TokenReply, until: number, checkedAt: number, generation: number): void {
    if (generation !== this.generation(reply) || checkedAt >= until) return;
    this.#entries.set(credentialKey(reply), { reply: Object.freeze({ ...reply }), until, checkedAt });
  }

  drop(ref: CredentialRef): void {
    const key = credentialKey(ref);
    this.#entries.delete(key);
    this.#generations.set(key, (this.#generations.get(key) ?? 0) + 1);
  }

  /**
   * `token.refreshed` heard: the entry is stale unless it already is the announced token (this
   * process's own refresh); an announcement without a token (expiresAt 0) always drops it.
   */
  refreshed(ref: CredentialRef, expiresAt: number | undefined): void {
    const entry = this.#entries.get(credentialKey(ref));
    if (entry !== undefined && expiresAt !== undefined && expiresAt > 0 && entry.reply.expiresAt === expiresAt) return;
    this.drop(ref);
  }
}
