import { Injectable } from '@nestjs/common';
import type { CredentialKind, TokenReply } from '@wxgate/contracts';
import { RefresherMetrics } from '../adapters/refresher-metrics.js';
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
    private readonly metrics: RefresherMetrics,
  ) {}

  run(kind: CredentialKind, appid: string): TokenReply | Promise<TokenReply> {
    const cached = this.keeper.peek(kind, appid);
    if (cached !== undefined) {
      this.metrics.served(kind);
      return cached;
    }
    return this.keeper.current(kind, appid).then((token) => {
      this.metrics.served(kind);
      return token;
    });
  }
}
