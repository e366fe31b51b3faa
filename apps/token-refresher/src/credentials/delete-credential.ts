import { Injectable } from '@nestjs/common';
import type { CredentialsDeleteRequest } from '@wxgate/contracts';
import { Clock } from '../adapters/clock.js';
import { RefresherEvents } from '../adapters/refresher-events.js';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { notFound } from '../tokens/mint-token.js';
import { TokenKeeper } from '../tokens/token-keeper.js';

/**
 * `credentials.delete`. Deleting a component deletes its authorizers too (their tokens cannot be
 * refreshed without it); every authorizer that goes publishes an `unauthorized` event so the
 * policy service stops relaying for it, and every token that goes stops being served by every
 * replica (`token.refreshed` with expiresAt 0).
 */
@Injectable()
export class DeleteCredential {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly keeper: TokenKeeper,
    private readonly events: RefresherEvents,
    private readonly clock: Clock,
  ) {}

  async run({ kind, appid }: CredentialsDeleteRequest): Promise<void> {
    switch (kind) {
      case 'app':
        if (!(await this.credentials.deleteApp(appid))) throw notFound(kind, appid);
        break;
      case 'authorizer':
        if (!(await this.#deleteAuthorizer(appid))) throw notFound(kind, appid);
        break;
      case 'component':
        if (!(await this.credentials.component(appid))) throw notFound(kind, appid);
        for (const a of await this.credentials.authorizers(appid)) await this.#deleteAuthorizer(a.appid);
        await this.credentials.deleteComponent(appid);
        break;
    }
    await this.keeper.deleteToken(kind, appid);
  }

  async #deleteAuthorizer(appid: string): Promise<boolean> {
    const existing = await this.credentials.authorizer(appid);
    if (!existing) return false;
    await this.credentials.deleteAuthorizer(appid);
    await this.keeper.deleteToken('authorizer', appid);
    if (existing.status === 'authorized') {
      await this.events.authorizerChanged(existing.componentAppid, appid, { status: 'unauthorized', funcScopes: [], at: this.clock.now() });
    }
    return true;
  }
}
