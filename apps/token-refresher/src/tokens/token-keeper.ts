import { Inject, Injectable, Logger } from '@nestjs/common';
import { credentialKey, describeCredential, WxgateError, type CredentialKind, type CredentialRef, type TokenReply } from '@wxgate/contracts';
import { APP_CONFIG, Clock, SingleFlight } from '@wxgate/platform';
import { Subject, type Observable } from 'rxjs';
import { RefresherEvents } from '../adapters/refresher-events.js';
import { RefresherMetrics } from '../adapters/refresher-metrics.js';
import type { RefresherConfig } from '../config.js';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { TokenStateRepository, type TokenState } from '../persistence/token-state.repository.js';
import { BackoffPolicy } from './backoff-policy.js';
import { ComponentTokenProvider } from './component-token-provider.js';
import { HeldTokens } from './held-tokens.js';
import { describeFailure, notFound, RELAY_TOKEN_NOT_READY, unavailable } from './token-errors.js';
import { TokenLease } from './token-lease.js';
import { TokenMinter, type MintedToken } from './token-minter.js';
import { dueAt, isServable, servedUntil } from './token-timing.js';

export interface RefreshOptions {
  /** Background refresh: a valid token that is not due yet is kept. */
  proactive?: boolean;
  /** With `proactive`: how much before its due time the token counts as due (jitter). */
  earlyMs?: number;
  /** Compare-and-refresh: refresh only while this (rejected) token is still the current one. */
  replacing?: string;
  /** stable_token force_refresh (apps). */
  force?: boolean;
}

/**
 * Keeps one token per credential current, and is the one owner of every write of a token: a
 * mint's result, an authorization code's token (`adopt`), a drop and a delete all go through
 * here, so the tokens held in memory (HeldTokens) never outlive the database's. Changes made by
 * other replicas arrive as `token.refreshed` (`refreshed`, heard by ProactiveRefresher).
 *
 * A miss reads the database; a missing or expired token is refreshed: in this process
 * concurrent callers share one refresh (SingleFlight); across replicas TokenLease makes one of
 * them call WeChat (TokenMinter) while the others poll the row for its result. The token is
 * re-read after the lease is taken, because another replica may have refreshed it meanwhile.
 * Failures are recorded with their next attempt (BackoffPolicy). Authorizer mints get their
 * component token from `components`, which is kept here like any other token.
 * The whole path of a miss: docs/architecture.md, "Inside the token-refresher".
 */
@Injectable()
export class TokenKeeper {
  private readonly logger = new Logger('TokenKeeper');
  readonly #flights = new SingleFlight<string, TokenReply>();
  readonly #loads = new SingleFlight<string, TokenReply>();
  readonly #held = new HeldTokens();
  readonly #due = new Subject<CredentialRef>();
  readonly #marginMs: number;

  /** Component tokens for calls made on a component's behalf (kept by this keeper). */
  readonly components = new ComponentTokenProvider(this);

  /**
   * Credentials whose token was served from the database while due: a replica without a timer
   * for it (ProactiveRefresher subscribes) refreshes it soon.
   */
  readonly due: Observable<CredentialRef> = this.#due.asObservable();

  constructor(
    private readonly tokens: TokenStateRepository,
    private readonly credentials: CredentialRepository,
    private readonly minter: TokenMinter,
    private readonly lease: TokenLease,
    private readonly backoff: BackoffPolicy,
    private readonly events: RefresherEvents,
    private readonly metrics: RefresherMetrics,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: RefresherConfig,
  ) {
    this.#marginMs = config.REFRESH_MARGIN_S * 1000;
  }

  /**
   * The held token while it is fresh (not due, not expired): no database, no cipher, no promise.
   * The object is frozen and replaced whenever the token changes. `key`: `credentialKey(ref)`, if the caller keeps it.
   */
  peek(ref: CredentialRef, key?: string): TokenReply | undefined {
    return this.#held.get(ref, this.clock.now(), key);
  }

  /** A token valid now: the held one, else the stored one, else a fresh one from WeChat. */
  current(ref: CredentialRef): Promise<TokenReply> {
    const held = this.peek(ref);
    return held !== undefined ? Promise.resolve(held) : this.reload(ref);
  }

  /** The token valid now, held or stored, without ever calling WeChat for one (undefined: none). */
  async held(ref: CredentialRef): Promise<TokenReply | undefined> {
    const held = this.peek(ref);
    if (held !== undefined) return held;
    const state = await this.tokens.read(ref);
    return state && isServable(state, this.clock.now()) ? reply(ref, state) : undefined;
  }

  /** Like `current`, but from the database even while a token is held (compare-and-refresh). */
  reload(ref: CredentialRef): Promise<TokenReply> {
    // Concurrent misses share one read; a drop in between starts a new one.
    const generation = this.#held.generation(ref);
    return this.#loads.run(`${credentialKey(ref)}:${generation}`, () => this.#load(ref, generation));
  }

  /** `token.refreshed` heard (from any replica, this one included). */
  refreshed(ref: CredentialRef, expiresAt: number | undefined): void {
    this.#held.refreshed(ref, expiresAt);
  }

  /**
   * A token WeChat handed over outside a refresh (an authorization code's exchange) is stored as
   * the credential's current one; returns its `expiresAt`. The caller announces it
   * (`token.refreshed`) once its own change stands; until then only the database holds it here.
   */
  async adopt(ref: CredentialRef, minted: MintedToken): Promise<number> {
    const expiresAt = servedUntil(minted.answeredAt, minted.expiresInS);
    await this.tokens.ensure(ref);
    await this.tokens.saveToken(ref, { token: minted.token, obtainedAt: minted.answeredAt, expiresAt });
    this.#held.drop(ref);
    return expiresAt;
  }

  /**
   * The credential has no token any more (unauthorized, moved to another component): the stored
   * one is dropped here and every replica is told to stop serving it.
   */
  async dropToken(ref: CredentialRef): Promise<void> {
    await this.tokens.dropToken(ref);
    this.#held.drop(ref);
    await this.events.tokenDropped(ref);
  }

  /** The credential is deleted: its token row goes, and every replica stops serving the token. */
  async deleteToken(ref: CredentialRef): Promise<void> {
    await this.tokens.delete(ref);
    this.#held.drop(ref);
    await this.events.tokenDropped(ref);
  }

  /** A new token from WeChat unless the stored one already is what `opts` asks for. */
  refresh(ref: CredentialRef, opts: RefreshOptions): Promise<TokenReply> {
    const flight = `${credentialKey(ref)}:${opts.replacing !== undefined ? 'replace' : opts.proactive ? 'due' : 'get'}`;
    return this.#flights.run(flight, () => this.#refreshOnce(ref, opts));
  }

  async #load(ref: CredentialRef, generation: number): Promise<TokenReply> {
    const state = await this.tokens.read(ref);
    const now = this.clock.now();
    if (state && isServable(state, now)) {
      const due = dueAt(ref.kind, state, this.#marginMs);
      if (due !== undefined && due <= now) this.#due.next(ref);
      return this.#serve(ref, state, now, generation);
    }
    return this.refresh(ref, {});
  }

  async #refreshOnce(ref: CredentialRef, opts: RefreshOptions): Promise<TokenReply> {
    const { kind } = ref;
    // Tokens read or stored from here on are held only if no drop was heard meanwhile.
    const generation = this.#held.generation(ref);
    const started = this.clock.now();
    // Only credentials that exist get a row (and so a lease): unknown subjects leave nothing behind.
    if (!(await this.credentials.exists(ref))) throw notFound(ref);
    await this.tokens.ensure(ref);
    const before = await this.tokens.read(ref);
    if (before && !this.#acceptable(kind, before, opts, started) && this.backoff.backingOff(before, started)) {
      // Backing off after failures: answer from the stored state without touching the lease.
      return this.#fallback(ref, before, started);
    }
    return this.lease.hold(
      ref,
      started,
      () => this.#refreshHoldingLease(ref, opts, generation),
      // Another replica holds the lease: wait for what it stores (or for its lease to lapse).
      (state, now, timedOut) => {
        if (state && this.#acceptable(kind, state, opts, now)) return this.#serve(ref, state, now, generation);
        if (state?.failedAt !== undefined && state.failedAt >= started) return this.#fallback(ref, state, now);
        if (!timedOut) return undefined;
        if (state && isServable(state, now) && !opts.replacing) return reply(ref, state);
        throw unavailable(`${describeCredential(ref)}: the refresh by another replica did not finish in time`);
      },
    );
  }

  async #refreshHoldingLease(ref: CredentialRef, opts: RefreshOptions, generation: number): Promise<TokenReply> {
    const { kind } = ref;
    const state = await this.tokens.read(ref);
    const now = this.clock.now();
    if (state && this.#acceptable(kind, state, opts, now)) return this.#serve(ref, state, now, generation);
    if (this.backoff.backingOff(state, now)) return this.#fallback(ref, state!, now);

    let minted;
    try {
      const mint = await this.minter.prepare(ref, { force: opts.force ?? false });
      minted = mint.componentAppid === undefined ? await mint.call() : await this.components.use(mint.componentAppid, mint.call);
    } catch (err) {
      if (err instanceof WxgateError) throw err;
      const failure = describeFailure(err);
      const failures = (state?.failures ?? 0) + 1;
      const at = this.clock.now();
      await this.tokens.recordFailure(ref, { ...failure, at, nextAttemptAt: this.backoff.nextAttemptAt(failures, at) });
      this.metrics.refresh(kind, 'failed');
      this.logger.warn(`refresh of ${describeCredential(ref)} failed (${failures} in a row): ${failure.message}`);
      if (state && isServable(state, at) && opts.replacing === undefined) return reply(ref, state);
      throw unavailable(`${describeCredential(ref)}: ${failure.message}`, failure.errcode);
    }
    if (ref.kind === 'authorizer' && (await this.credentials.authorizer({ componentAppid: ref.componentAppid!, appid: ref.appid }))?.status !== 'authorized') {
      // Unauthorized (or deleted) while WeChat was answering: the token must not be served.
      throw unavailable(`${describeCredential(ref)} is no longer authorized`);
    }
    const expiresAt = servedUntil(minted.answeredAt, minted.expiresInS);
    const stored = { token: minted.token, obtainedAt: minted.answeredAt, expiresAt };
    const saved = await this.tokens.saveToken(ref, stored);
    this.metrics.refresh(kind, 'ok');
    const fresh: TokenReply = { ...refOf(ref), token: minted.token, expiresAt };
    // A credential deleted meanwhile has no row to update: its token is answered once, never held.
    if (saved) this.#held.put(fresh, this.#heldUntil(kind, stored), this.clock.now(), generation);
    await this.events.tokenRefreshed(ref, expiresAt);
    return fresh;
  }

  /** Answers from a state just read from the database, and holds it while it is not due. */
  #serve(ref: CredentialRef, state: TokenState, now: number, generation: number): TokenReply {
    const served = reply(ref, state);
    this.#held.put(served, this.#heldUntil(ref.kind, state), now, generation);
    return served;
  }

  /** A held token is served until it falls due (the database path then schedules its refresh), never past its expiry. */
  #heldUntil(kind: CredentialKind, t: { obtainedAt?: number; expiresAt?: number }): number {
    const expiresAt = t.expiresAt ?? 0;
    return Math.min(dueAt(kind, t, this.#marginMs) ?? expiresAt, expiresAt);
  }

  /** Whether the stored token already is what this refresh is after (no WeChat call needed). */
  #acceptable(kind: CredentialKind, state: TokenState, opts: RefreshOptions, now: number): boolean {
    if (!isServable(state, now)) return false;
    if (opts.replacing !== undefined) return state.token !== opts.replacing;
    if (!opts.proactive) return true;
    const due = dueAt(kind, state, this.#marginMs);
    return due !== undefined && due - (opts.earlyMs ?? 0) > now;
  }

  /** While refreshes fail a still-valid token keeps being served; an expired one never is. */
  #fallback(ref: CredentialRef, state: TokenState, now: number): TokenReply {
    if (isServable(state, now)) return reply(ref, state);
    throw unavailable(
      `${describeCredential(ref)}: refreshing failed, next attempt in ${Math.max(0, Math.ceil(((state.nextAttemptAt ?? now) - now) / 1000))} s: ${state.lastError ?? 'unknown cause'}`,
      state.lastErrcode ?? RELAY_TOKEN_NOT_READY,
    );
  }
}

function reply(ref: CredentialRef, state: TokenState): TokenReply {
  return { ...refOf(ref), token: state.token!, expiresAt: state.expiresAt! };
}

/** The credential fields of a reply: `componentAppid` only for authorizers. */
function refOf(ref: CredentialRef): CredentialRef {
  return ref.kind === 'authorizer' ? { kind: ref.kind, appid: ref.appid, componentAppid: ref.componentAppid } : { kind: ref.kind, appid: ref.appid };
}
