import { Injectable } from '@nestjs/common';
import { RefresherEvents } from '../adapters/refresher-events.js';
import { TokenStateRepository } from '../persistence/token-state.repository.js';
import { servedUntil } from '../tokens/token-timing.js';

/** Keeps an authorizer token that came with an authorization (api_query_auth) like a refreshed one. */
@Injectable()
export class SaveAuthorizerToken {
  constructor(
    private readonly tokens: TokenStateRepository,
    private readonly events: RefresherEvents,
  ) {}

  async run(appid: string, token: string, expiresInS: number, answeredAt: number): Promise<void> {
    const expiresAt = servedUntil(answeredAt, expiresInS);
    await this.tokens.saveToken('authorizer', appid, { token, obtainedAt: answeredAt, expiresAt });
    await this.events.tokenRefreshed('authorizer', appid, expiresAt);
  }
}
