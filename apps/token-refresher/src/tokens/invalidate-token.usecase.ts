import { Inject, Injectable } from '@nestjs/common';
import { credentialKey, type CredentialRef, type TokenReply } from '@wxgate/contracts';
import { APP_CONFIG, Clock, SingleFlight } from '@wxgate/platform';
import { RefresherMetrics } from '../adapters/refresher-metrics.js';
import type { RefresherConfig } from '../config.js';
import { TokenStateRepository } from '../persistence/token-state.repository.js';
import { ResolveCredential } from './resolve-credential.js';
import { TokenKeeper } from './token-keeper.js';
import { APP_FORCE_REFRESH_INTERVAL_MS } from './token-timing.js';

/**
 * `token.invalidate` = compare-and-refresh. A token that is no longer current gets the current
 * one back without a WeChat call; otherwise one refresh per credential per interval (across
 * replicas), `force_refresh` for apps at most once per 30 s; a rate-limited call gets the current
 * token, so a misbehaving caller cannot burn WeChat's daily quota.
 */
@Injectable()
export class InvalidateToken {
  readonly #intervalMs: number;
  readonly #flights = new SingleFlight<string, TokenReply>();

  constructor(
    private readonly keeper: TokenKeeper,
    private readonly resolve: ResolveCredential,
    private readonly tokens: TokenStateRepository,
    private readonly metrics: RefresherMetrics,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: RefresherConfig,
  ) {
    this.#intervalMs = config.INVALIDATE_MIN_INTERVAL_S * 1000;
  }

  /** Concurrent invalidations of the same token share one answer. */
  async execute(ref: CredentialRef, rejected: string): Promise<TokenReply> {
    const pair = await this.resolve.forToken(ref);
    return this.#flights.run(`${credentialKey(pair)}:${rejected}`, () => this.#run(pair, rejected));
  }

  async #run(ref: CredentialRef, rejected: string): Promise<TokenReply> {
    const { kind } = ref;
    const state = await this.tokens.read(ref);
    const now = this.clock.now();
    let token: TokenReply;
    // From the database, not this process's cache: another replica may have replaced the token.
    if (state?.token === undefined || state.token !== rejected) {
      // Not the current token (or none yet): the current one, refreshed only if it expired.
      token = await this.keeper.reload(ref);
    } else {
      const interval = kind === 'app' ? Math.max(this.#intervalMs, APP_FORCE_REFRESH_INTERVAL_MS) : this.#intervalMs;
      const claimed = await this.tokens.claimInvalidation(ref, now, interval);
      token = claimed
        ? await this.keeper.refresh(ref, { replacing: rejected, force: kind === 'app' })
        : await this.keeper.reload(ref);
    }
    this.metrics.served(kind);
    return token;
  }
}
