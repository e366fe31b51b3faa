import { Injectable } from '@nestjs/common';
import type { CredentialKind, TokenReply } from '@wxgate/contracts';
import { RefresherMetrics } from '../adapters/refresher-metrics.js';
import { TokenKeeper } from './token-keeper.js';

/** `token.get`: the current token, minted on first use; exactly one WeChat call however many ask. */
@Injectable()
export class GetToken {
  constructor(
    private readonly keeper: TokenKeeper,
    private readonly metrics: RefresherMetrics,
  ) {}

  async run(kind: CredentialKind, appid: string): Promise<TokenReply> {
    const token = await this.keeper.current(kind, appid);
    this.metrics.served(kind);
    return token;
  }
}
