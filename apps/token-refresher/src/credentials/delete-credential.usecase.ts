import { Injectable } from '@nestjs/common';
import type { CredentialsDeleteRequest } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { RefresherEvents } from '../adapters/refresher-events.js';
import { CredentialRepository, type AuthorizerKey } from '../persistence/credential.repository.js';
import { notFound } from '../tokens/token-errors.js';
import { ResolveCredential } from '../tokens/resolve-credential.js';
import { TokenKeeper } from '../tokens/token-keeper.js';

/**
 * `credentials.delete`. An authorizer is one pair: `componentAppid` names it, and may be left out
 * while only one component holds the appid (else BAD_REQUEST naming the components). Deleting a
 * component deletes its authorizations too (their tokens cannot be refreshed without it); every
 * authorization that goes publishes an `unauthorized` event so the policy service stops relaying
 * for it, and every token that goes stops being served by every replica (`token.refreshed` with
 * expiresAt 0).
 */
@Injectable()
export class DeleteCredential {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly keeper: TokenKeeper,
    private readonly resolve: ResolveCredential,
    private readonly events: RefresherEvents,
    private readonly clock: Clock,
  ) {}

  async execute({ kind, appid, componentAppid }: CredentialsDeleteRequest): Promise<void> {
    switch (kind) {
      case 'app':
        if (!(await this.credentials.deleteApp(appid))) throw notFound({ kind, appid });
        break;
      case 'authorizer': {
        const pair = await this.resolve.forRow({ kind, appid, componentAppid });
        if (!(await this.#deleteAuthorizer({ componentAppid: pair.componentAppid!, appid }))) throw notFound(pair);
        return;
      }
      case 'component':
        if (!(await this.credentials.component(appid))) throw notFound({ kind, appid });
        for (const a of await this.credentials.authorizers(appid)) await this.#deleteAuthorizer({ componentAppid: a.componentAppid, appid: a.appid });
        await this.credentials.deleteComponent(appid);
        break;
    }
    await this.keeper.deleteToken({ kind, appid });
  }

  async #deleteAuthorizer(key: AuthorizerKey): Promise<boolean> {
    const existing = await this.credentials.authorizer(key);
    if (!existing) return false;
    await this.credentials.deleteAuthorizer(key);
    await this.keeper.deleteToken({ kind: 'authorizer', ...key });
    if (existing.status === 'authorized') {
      await this.events.authorizerChanged(key.componentAppid, key.appid, { status: 'unauthorized', funcScopes: [], at: this.clock.now() });
    }
    return true;
  }
}
