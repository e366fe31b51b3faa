import { Inject, Injectable, Logger } from '@nestjs/common';
import { credentialKey, describeCredential, Reason, WxgateError, type CredentialKind, type CredentialRef, type TokenReply } from '@wxgate/contracts';
import { APP_CONFIG } from '@wxgate/platform';
import { WechatApiError, WechatUnreachableError } from '@wxgate/wechat';
import { Clock } from '../adapters/clock.js';
import { LEASE_HOLDER } from '../adapters/lease-holder.js';
import { RefresherEvents } from '../adapters/refresher-events.js';
import { RefresherMetrics } from '../adapters/refresher-metrics.js';
import type { RefresherConfig } from '../config.js';
import { TokenStateRepository, type TokenState } from '../persistence/token-state.repository.js';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { MintToken, notFound, type ComponentTokens } from './mint-token.js';
import { SingleFlight } from './single-flight.js';
import { TokenCache } from './token-cache.js';
import { backoffMs, dueAt, isServable, servedUntil } from './token-timing.js';

const RELAY_TOKEN_NOT_READY = 85113;
const WAIT_POLL_MS = 100;

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

export type DueListener = (ref: CredentialRef) => void;

/**
 * Keeps one token per credential current. In this process concurrent callers share one refresh;
 * across replicas a lease in the database makes one of them call WeChat while the others poll
 * the row for its result. The token is re-read after the lease is taken, because another replica
 * may have refreshed it meanwhile.
 *
 * The current token is also kept in memory (TokenCache) until it falls due; every change of a
 * token in this process goes through here (or calls `forget`), and changes made elsewhere arrive
 * as `token.refreshed` (see ProactiveRefresher), so the cache never outlives the database's token.
 */
@Injectable()
export class TokenKeeper {
  private readonly logger = new Logger('TokenKeeper');
  readonly #flights = new SingleFlight<TokenReply>();
  readonly #loads = new SingleFlight<TokenReply>();
  readonly #cache = new TokenCache();
  readonly #marginMs: number;
  readonly #leaseTtlMs: number;
  readonly #backoffMaxMs: number;
  #dueListener?: DueListener;
  #attempts = 0;

  constructor(
    private readonly tokens: TokenStateRepository,
    private readonly credentials: CredentialRepository,
    private readonly mint: MintToken,
    private readonly events: RefresherEvents,
    private readonly metrics: RefresherMetrics,
    private readonly clock: Clock,
    @Inject(LEASE_HOLDER) private readonly holder: string,
    @Inject(APP_CONFIG) config: RefresherConfig,
  ) {
    this.#marginMs = config.REFRESH_MARGIN_S * 1000;
    this.#leaseTtlMs = config.REFRESH_LEASE_TTL_MS;
    this.#backoffMaxMs = config.REFRESH_BACKOFF_MAX_S * 1000;
  }

  get marginMs(): number {
    return this.#marginMs;
  }

  /** Told when a served token is due, so a replica without a timer for it refreshes it soon. */
  onDue(listener: DueListener): void {
    this.#dueListener = listener;
  }

  /** The cached token while it is fresh (not due, not expired): no database, no cipher, no promise. */
  peek(ref: CredentialRef): TokenReply | undefined {
    return this.#cache.get(ref, this.clock.now());
  }

  /** A token valid now: the cached one, else the stored one, else a fresh one from WeChat. */
  current(ref: CredentialRef): Promise<TokenReply> {
    const cached = this.peek(ref);
    return cached !== undefined ? Promise.resolve(cached) : this.reload(ref);
  }

  /** The token valid now, cached or stored, without ever calling WeChat for one (undefined: none). */
  async held(ref: CredentialRef): Promise<TokenReply | undefined> {
    const cached = this.peek(ref);
    if (cached !== undefined) return cached;
    const state = await this.tokens.read(ref);
    return state && isServable(state, this.clock.now()) ? reply(ref, state) : undefined;
  }

  /** Like `current`, but from the database even while a token is cached (compare-and-refresh). */
  reload(ref: CredentialRef): Promise<TokenReply> {
    // Concurrent misses share one read; a drop in between starts a new one.
    const generation = this.#cache.generation(ref);
    return this.#loads.run(`${credentialKey(ref)}:${generation}`, () => this.#load(ref, generation));
  }

  /** This process changed the token in the database behind the keeper's back: read it again. */
  forget(ref: CredentialRef): void {
    this.#cache.drop(ref);
  }

  /** `token.refreshed` heard (from any replica, this one included). */
  refreshed(ref: CredentialRef, expiresAt: number | undefined): void {
    this.#cache.refreshed(ref, expiresAt);
  }

  /**
   * The credential has no token any more (unauthorized, moved to another component): the stored
   * one is dropped here and every replica is told to stop serving it.
   */
  async dropToken(ref: CredentialRef): Promise<void> {
    await this.tokens.dropToken(ref);
    this.#cache.drop(ref);
    await this.events.tokenDropped(ref);
  }

  /** The credential is deleted: its token row goes, and every replica stops serving the token. */
  async deleteToken(ref: CredentialRef): Promise<void> {
    await this.tokens.delete(ref);
    this.#cache.drop(ref);
    await this.events.tokenDropped(ref);
  }

  async #load(ref: CredentialRef, generation: number): Promise<TokenReply> {
    const state = await this.tokens.read(ref);
    const now = this.clock.now();
    if (state && isServable(state, now)) {
      const due = dueAt(ref.kind, state, this.#marginMs);
      if (due !== undefined && due <= now) this.#dueListener?.(ref);
      return this.#serve(ref, state, now, generation);
    }
    return this.refresh(ref, {});
  }

  refresh(ref: CredentialRef, opts: RefreshOptions): Promise<TokenReply> {
    const flight = `${credentialKey(ref)}:${opts.replacing !== undefined ? 'replace' : opts.proactive ? 'due' : 'get'}`;
    return this.#flights.run(flight, () => this.#refreshOnce(ref, opts));
  }

  /** For authorizer mints: the component token, replaced when WeChat rejected it. */
  readonly componentTokens: ComponentTokens = {
    current: async (componentAppid) => (await this.current({ kind: 'component', appid: componentAppid })).token,
    replace: async (componentAppid, rejected) => (await this.refresh({ kind: 'component', appid: componentAppid }, { replacing: rejected })).token,
  };

  async #refreshOnce(ref: CredentialRef, opts: RefreshOptions): Promise<TokenReply> {
    const { kind } = ref;
    // Tokens read or stored from here on are cached only if no drop was heard meanwhile.
    const generation = this.#cache.generation(ref);
    const started = this.clock.now();
    const deadline = started + this.#leaseTtlMs + 5_000;
    // Only credentials that exist get a row (and so a lease): unknown subjects leave nothing behind.
    if (!(await this.credentials.exists(ref))) throw notFound(ref);
    await this.tokens.ensure(ref);
    const before = await this.tokens.read(ref);
    if (before && !this.#acceptable(kind, before, opts, started) && before.nextAttemptAt !== undefined && before.nextAttemptAt > started) {
      // Backing off after failures: answer from the stored state without touching the lease.
      return this.#fallback(ref, before, started);
    }
    // One holder name per attempt: two flights of this process (a get and a proactive refresh)
    // exclude each other like two replicas do.
    const holder = `${this.holder}#${++this.#attempts}`;
    for (;;) {
      const now = this.clock.now();
      if (await this.tokens.acquireLease(ref, holder, now, this.#leaseTtlMs)) {
        const renewing = this.#renewLease(ref, holder);
        try {
          return await this.#refreshHoldingLease(ref, opts, generation);
        } finally {
          clearInterval(renewing);
          await this.tokens.releaseLease(ref, holder).catch(() => undefined);
        }
      }
      // Another replica holds the lease: wait for what it stores (or for its lease to lapse).
      const state = await this.tokens.read(ref);
      const polled = this.clock.now();
      if (state && this.#acceptable(kind, state, opts, polled)) return this.#serve(ref, state, polled, generation);
      if (state?.failedAt !== undefined && state.failedAt >= started) return this.#fallback(ref, state, polled);
      if (polled >= deadline) {
        if (state && isServable(state, polled) && !opts.replacing) return reply(ref, state);
        throw new WxgateError(Reason.TOKEN_UNAVAILABLE, `${describeCredential(ref)}: the refresh by another replica did not finish in time`);
      }
      await this.clock.sleep(WAIT_POLL_MS);
    }
  }

  /**
   * Extends the lease every third of its TTL while the refresh runs, so the TTL only has to
   * outlive a missed renewal, not a slow WeChat call: a holder that dies lets waiters on other
   * replicas take over within one TTL, which stays shorter than a relay's token request.
   */
  #renewLease(ref: CredentialRef, holder: string): NodeJS.Timeout {
    const timer = setInterval(() => {
      void this.tokens.acquireLease(ref, holder, this.clock.now(), this.#leaseTtlMs).catch(() => undefined);
    }, Math.max(100, Math.floor(this.#leaseTtlMs / 3)));
    timer.unref();
    return timer;
  }

  async #refreshHoldingLease(ref: CredentialRef, opts: RefreshOptions, generation: number): Promise<TokenReply> {
    const { kind } = ref;
    const state = await this.tokens.read(ref);
    const now = this.clock.now();
    if (state && this.#acceptable(kind, state, opts, now)) return this.#serve(ref, state, now, generation);
    if (state?.nextAttemptAt !== undefined && state.nextAttemptAt > now) return this.#fallback(ref, state, now);

    let minted;
    try {
      minted = await this.mint.mint(ref, { force: opts.force ?? false, components: this.componentTokens });
    } catch (err) {
      if (err instanceof WxgateError) throw err;
      const failure = describeFailure(err);
      const failures = (state?.failures ?? 0) + 1;
      const at = this.clock.now();
      await this.tokens.recordFailure(ref, { ...failure, at, nextAttemptAt: at + backoffMs(failures, this.#backoffMaxMs, () => this.clock.random()) });
      this.metrics.refresh(kind, 'failed');
      this.logger.warn(`refresh of ${describeCredential(ref)} failed (${failures} in a row): ${failure.message}`);
      if (state && isServable(state, at) && opts.replacing === undefined) return reply(ref, state);
      throw new WxgateError(Reason.TOKEN_UNAVAILABLE, `${describeCredential(ref)}: ${failure.message}`, failure.errcode);
    }
    if (ref.kind === 'authorizer' && (await this.credentials.authorizer({ componentAppid: ref.componentAppid!, appid: ref.appid }))?.status !== 'authorized') {
      // Unauthorized (or deleted) while WeChat was answering: the token must not be served.
      throw new WxgateError(Reason.TOKEN_UNAVAILABLE, `${describeCredential(ref)} is no longer authorized`);
    }
    const expiresAt = servedUntil(minted.answeredAt, minted.expiresInS);
    const stored = { token: minted.token, obtainedAt: minted.answeredAt, expiresAt };
    const saved = await this.tokens.saveToken(ref, stored);
    this.metrics.refresh(kind, 'ok');
    const fresh: TokenReply = { ...refOf(ref), token: minted.token, expiresAt };
    // A credential deleted meanwhile has no row to update: its token is answered once, never cached.
    if (saved) this.#cache.put(fresh, this.#cachedUntil(kind, stored), this.clock.now(), generation);
    await this.events.tokenRefreshed(ref, expiresAt);
    return fresh;
  }

  /** Answers from a state just read from the database, and caches it while it is not due. */
  #serve(ref: CredentialRef, state: TokenState, now: number, generation: number): TokenReply {
    const served = reply(ref, state);
    this.#cache.put(served, this.#cachedUntil(ref.kind, state), now, generation);
    return served;
  }

  /** A cached token is served until it falls due (the database path then schedules its refresh), never past its expiry. */
  #cachedUntil(kind: CredentialKind, t: { obtainedAt?: number; expiresAt?: number }): number {
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
    throw new WxgateError(
      Reason.TOKEN_UNAVAILABLE,
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

/** WeChat's errcode where it answered one, else 85113; the message never holds a secret. */
export function describeFailure(err: unknown): { message: string; errcode: number } {
  if (err instanceof WechatApiError) return { message: err.message, errcode: err.errcode };
  if (err instanceof WechatUnreachableError) return { message: err.message, errcode: RELAY_TOKEN_NOT_READY };
  return { message: `unexpected ${err instanceof Error ? err.name : typeof err}`, errcode: RELAY_TOKEN_NOT_READY };
}
