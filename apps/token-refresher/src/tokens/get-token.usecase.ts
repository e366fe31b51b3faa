import { Injectable } from '@nestjs/common';
import type { CredentialRef, TokenReply } from '@wxgate/contracts';
import { RefresherMetrics } from '../adapters/refresher-metrics.js';
import { ResolveCredential } from './resolve-credential.js';
import { TokenKeeper } from './token-keeper.js';

/**
 * `token.get`: the current token, minted on first use; exactly one WeChat call however many ask.
 * A cached token is answered synchronously: no promise, so the reply leaves in the same socket
 * write as the others made for one read of the connection.
 */
@Injectable()
export class GetToken {
  constructor(
    private readonly keeper: TokenKeeper,
    private readonly resolve: ResolveCredential,
    private readonly metrics: RefresherMetrics,
  ) {}

  /** `key`: `credentialKey(ref)`, for a caller that keeps it (the hot path builds no string per request). */
  execute(ref: CredentialRef, key?: string): TokenReply | Promise<TokenReply> {
    if (ResolveCredential.needsLookup(ref)) return this.resolve.forToken(ref).then((pair) => this.execute(pair));
    const cached = this.keeper.peek(ref, key);
    if (cached !== undefined) {
      this.metrics.served(ref.kind);
      return cached;
    }
    return this.keeper.current(ref).then((token) => {
      this.metrics.served(ref.kind);
      return token;
    });
  }
}
