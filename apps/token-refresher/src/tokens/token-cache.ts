import type { CredentialKind, TokenReply } from '@wxgate/contracts';

/**
 * How long an entry is served without looking at the database again. Drops arrive as events
 * within milliseconds; this bounds what a lost event (a failed publish, a reconnect) can cost,
 * at one database read per credential per interval.
 */
export const CACHE_RECHECK_MS = 5_000;

interface Entry {
  reply: TokenReply;
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
export class TokenCache {
  readonly #entries: Record<CredentialKind, Map<string, Entry>> = { component: new Map(), authorizer: new Map(), app: new Map() };
  readonly #generations: Record<CredentialKind, Map<string, number>> = { component: new Map(), authorizer: new Map(), app: new Map() };

  constructor(private readonly recheckMs = CACHE_RECHECK_MS) {}

  get(kind: CredentialKind, appid: string, now: number): TokenReply | undefined {
    const entries = this.#entries[kind];
    const entry = entries.get(appid);
    if (entry === undefined) return undefined;
    if (now < entry.until && now - entry.checkedAt < this.recheckMs) return entry.reply;
    entries.delete(appid);
    return undefined;
  }

  /** Take before reading the database; pass to `put` with what was read. */
  generation(kind: CredentialKind, appid: string): number {
    return this.#generations[kind].get(appid) ?? 0;
  }

  /** Keeps `reply` until `until`, unless the credential was dropped since `generation` was taken. */
  put(reply: TokenReply, until: number, checkedAt: number, generation: number): void {
    if (generation !== this.generation(reply.kind, reply.appid) || checkedAt >= until) return;
    this.#entries[reply.kind].set(reply.appid, { reply, until, checkedAt });
  }

  drop(kind: CredentialKind, appid: string): void {
    this.#entries[kind].delete(appid);
    this.#generations[kind].set(appid, this.generation(kind, appid) + 1);
  }

  /**
   * `token.refreshed` heard: the entry is stale unless it already is the announced token (this
   * process's own refresh); an announcement without a token (expiresAt 0) always drops it.
   */
  refreshed(kind: CredentialKind, appid: string, expiresAt: number | undefined): void {
    const entry = this.#entries[kind].get(appid);
    if (entry !== undefined && expiresAt !== undefined && expiresAt > 0 && entry.reply.expiresAt === expiresAt) return;
    this.drop(kind, appid);
  }
}
