import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import {
  CREDENTIAL_SUBJECT_PREFIXES,
  credentialFromSubject,
  credentialKey,
  describeCredential,
  Reason,
  Subjects,
  WxgateError,
  type CredentialKind,
  type CredentialRef,
  type TokenReply,
} from '@wxgate/contracts';
import { NatsUnavailableError } from '@wxgate/nats';
import { Clock, SingleFlight } from '@wxgate/platform';
import { LRUCache } from 'lru-cache';
import { ControlPlaneClient } from './control-plane.client.js';
import { RelayMetrics } from '../metrics/relay.metrics.js';

export interface CachedToken {
  kind: CredentialKind;
  appid: string;
  /** Authorizers: the component of the pair. */
  componentAppid?: string;
  token: string;
  /** The token as a query value, encoded once. */
  encoded: string;
  expiresAt: number;
}

/** What the cache needs from the token-refresher (ControlPlaneClient in production, fakes in tests). */
export interface TokenSource {
  getToken(ref: CredentialRef): Promise<TokenReply>;
  invalidateToken(ref: CredentialRef, token: string): Promise<TokenReply>;
  rejectToken?(token: string): Promise<TokenReply>;
  subscribe?: ControlPlaneClient['subscribe'];
}

/** The cache key of a credential: an authorizer's is its pair. */
export const tokenKey = (ref: CredentialRef): string => credentialKey(ref);

const FOREIGN_TOKENS_KEPT = 1024;
const FOREIGN_TOKEN_MS = 60_000;

/**
 * Tokens by credential, in memory: a warm call reads the map and nothing else. An entry is
 * dropped when the refresher announces a new token (`token.refreshed`, heard by every replica)
 * and never used past its `expiresAt`, so a refresher that is down costs nothing until then.
 * Concurrent misses share one NATS request (single flight), and so do concurrent invalidations.
 */
@Injectable()
export class RelayTokens implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RelayTokens');
  private readonly entries = new Map<string, CachedToken>();
  /** The same entries by token: a caller-supplied token is recognised as one wxgate issued. */
  private readonly byToken = new Map<string, CachedToken>();
  private readonly filling = new SingleFlight<string, CachedToken>();
  private readonly invalidating = new SingleFlight<string, CachedToken>();
  private readonly rejecting = new SingleFlight<string, CachedToken | undefined>();
  /** Caller tokens the refresher said are not wxgate's (not asked about again for FOREIGN_TOKEN_MS). */
  private readonly foreign: LRUCache<string, true>;
  private subscription?: Subscription;

  constructor(
    @Inject(ControlPlaneClient) private readonly source: TokenSource,
    private readonly metrics: RelayMetrics,
    private readonly clock: Clock,
  ) {
    // lru-cache keeps an entry while its age ≤ ttl: one less makes it stale at FOREIGN_TOKEN_MS.
    this.foreign = new LRUCache<string, true>({ max: FOREIGN_TOKENS_KEPT, ttl: FOREIGN_TOKEN_MS - 1, perf: { now: () => clock.now() }, ttlResolution: 0 });
  }

  onModuleInit(): void {
    this.subscription = this.source.subscribe?.(Subjects.events.tokenRefreshedAll, (subject, body) => {
      const ref = credentialFromSubject(subject, CREDENTIAL_SUBJECT_PREFIXES.tokenRefreshed);
      if ('problem' in ref) return;
      const expiresAt = (body as { expiresAt?: unknown } | null)?.expiresAt;
      this.refreshed(tokenKey(ref), typeof expiresAt === 'number' ? expiresAt : undefined);
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** The cached token when it is still valid (the hot path: no promise, no NATS). */
  peek(key: string): CachedToken | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && this.clock.now() < entry.expiresAt) {
      this.metrics.tokenHit.inc();
      return entry;
    }
    return undefined;
  }

  /** Asks the refresher; throws TOKEN_UNAVAILABLE (step 11) with the cause when there is none. */
  fill(ref: CredentialRef): Promise<CachedToken> {
    const key = tokenKey(ref);
    this.metrics.tokenMiss.inc();
    return this.filling.run(key, () =>
      this.source.getToken(ref).then(
        (reply) => this.store(key, ref, reply),
        (err: unknown) => Promise.reject(unavailable(err)),
      ),
    );
  }

  /**
   * WeChat rejected `rejected`: compare-and-refresh. When the cache already holds a newer token
   * it is the answer; otherwise one `token.invalidate` per credential is in flight at a time.
   */
  invalidate(ref: CredentialRef, rejected: string): Promise<CachedToken> {
    const key = tokenKey(ref);
    const current = this.entries.get(key);
    if (current && current.token !== rejected && this.clock.now() < current.expiresAt) return Promise.resolve(current);
    return this.invalidating.run(key, () => {
      if (current?.token === rejected) this.drop(key);
      return this.source.invalidateToken(ref, rejected).then(
        (reply) => this.store(key, ref, reply),
        (err: unknown) => Promise.reject(unavailable(err)),
      );
    });
  }

  /** A token the refresher issued to a caller (a token endpoint's answer): cached like a fill. */
  remember(reply: TokenReply): CachedToken {
    return this.store(tokenKey(reply), reply, reply);
  }

  /** The credential whose current token this is, when this cache holds it (still valid). */
  ownerOf(token: string): CachedToken | undefined {
    const entry = this.byToken.get(token);
    return entry !== undefined && this.clock.now() < entry.expiresAt ? entry : undefined;
  }

  /**
   * WeChat rejected a caller's token this cache does not hold (another forwarder handed it out):
   * the refresher invalidates it when it is a credential's current token. A token that is not
   * wxgate's is remembered for a minute, so a caller with a foreign token costs one request.
   */
  rejectUnknown(token: string): Promise<CachedToken | undefined> {
    const source = this.source;
    if (this.foreign.has(token) || !source.rejectToken) return Promise.resolve(undefined);
    return this.rejecting.run(token, () =>
      source
        .rejectToken!(token)
        .then(
          (reply) => this.store(tokenKey(reply), reply, reply),
          (err: unknown) => {
            if (err instanceof WxgateError && err.reason === Reason.CREDENTIAL_NOT_FOUND) this.foreign.set(token, true);
            return undefined;
          },
        )
        .catch(() => undefined),
    );
  }

  /** `token.refreshed`: the entry is stale unless it already is the announced token. */
  refreshed(key: string, expiresAt: number | undefined): void {
    const entry = this.entries.get(key);
    if (entry && (expiresAt === undefined || entry.expiresAt !== expiresAt)) {
      this.drop(key);
      this.logger.debug(`token of ${key} refreshed elsewhere; dropped from the cache`);
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    if (this.byToken.get(entry.token) === entry) this.byToken.delete(entry.token);
  }

  private store(key: string, ref: CredentialRef, reply: TokenReply): CachedToken {
    if (typeof reply?.token !== 'string' || typeof reply.expiresAt !== 'number') {
      throw new WxgateError(Reason.TOKEN_UNAVAILABLE, `the token-refresher answered no token for ${describeCredential(ref)}`);
    }
    const entry: CachedToken = { ...credentialOf(ref), token: reply.token, encoded: encodeURIComponent(reply.token), expiresAt: reply.expiresAt };
    if (this.clock.now() < entry.expiresAt) {
      this.drop(key);
      this.entries.set(key, entry);
      this.byToken.set(entry.token, entry);
    } else throw new WxgateError(Reason.TOKEN_UNAVAILABLE, `the token-refresher answered an expired token for ${describeCredential(ref)}`);
    return entry;
  }
}

function credentialOf(ref: CredentialRef): CredentialRef {
  return ref.componentAppid === undefined ? { kind: ref.kind, appid: ref.appid } : { kind: ref.kind, appid: ref.appid, componentAppid: ref.componentAppid };
}

/** Step 11: whatever kept the token from us becomes TOKEN_UNAVAILABLE with the cause. */
function unavailable(err: unknown): WxgateError {
  if (err instanceof WxgateError) {
    if (err.reason === Reason.TOKEN_UNAVAILABLE) return new WxgateError(Reason.TOKEN_UNAVAILABLE, err.message);
    return new WxgateError(Reason.TOKEN_UNAVAILABLE, `${err.reason}: ${err.message}`);
  }
  if (err instanceof NatsUnavailableError) return new WxgateError(Reason.TOKEN_UNAVAILABLE, `token-refresher unreachable (${err.message})`);
  return new WxgateError(Reason.TOKEN_UNAVAILABLE, 'token lookup failed');
}
