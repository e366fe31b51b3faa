import { Injectable } from '@nestjs/common';
import type { AuthorizerPutRequest } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { RefresherEvents } from '../adapters/refresher-events.js';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { TokenStateRepository } from '../persistence/token-state.repository.js';
import { notFound } from '../tokens/token-errors.js';
import { TokenKeeper } from '../tokens/token-keeper.js';

/** `authorizer.put`: imports an existing authorization by its refresh token. */
@Injectable()
export class ImportAuthorizer {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly tokens: TokenStateRepository,
    private readonly keeper: TokenKeeper,
    private readonly events: RefresherEvents,
    private readonly clock: Clock,
  ) {}

  async execute(input: AuthorizerPutRequest): Promise<void> {
    if (!(await this.credentials.component(input.componentAppid))) throw notFound({ kind: 'component', appid: input.componentAppid });
    const pair = { kind: 'authorizer', componentAppid: input.componentAppid, appid: input.authorizerAppid } as const;
    const existing = await this.credentials.authorizer(pair);
    const now = this.clock.now();
    const funcScopes = existing?.status === 'authorized' ? existing.funcScopes : [];
    await this.credentials.saveAuthorizer(
      { appid: input.authorizerAppid, componentAppid: input.componentAppid, refreshToken: input.refreshToken, status: 'authorized', funcScopes, changedAt: now },
      now,
    );
    if (existing && existing.status !== 'authorized') await this.keeper.dropToken(pair);
    await this.tokens.ensure(pair);
    await this.tokens.clearBackoff(pair);
    await this.events.authorizerChanged(input.componentAppid, input.authorizerAppid, { status: 'authorized', funcScopes, at: now });
  }
}
