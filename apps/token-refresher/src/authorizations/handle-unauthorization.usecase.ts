import { Injectable, Logger } from '@nestjs/common';
import type { WechatEvent } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { RefresherEvents } from '../adapters/refresher-events.js';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { TokenKeeper } from '../tokens/token-keeper.js';

/**
 * `unauthorized` (of one component: the app's authorizations of other components stand): the authorizer stays listed with status unauthorized, its refresh token and
 * access token are dropped (every replica stops serving the token), and the authorizer event is
 * published. Older events change nothing.
 */
@Injectable()
export class HandleUnauthorization {
  private readonly logger = new Logger('HandleUnauthorization');

  constructor(
    private readonly credentials: CredentialRepository,
    private readonly keeper: TokenKeeper,
    private readonly events: RefresherEvents,
    private readonly clock: Clock,
  ) {}

  async execute(event: WechatEvent): Promise<void> {
    const componentAppid = event.AppId;
    const authorizerAppid = event.AuthorizerAppid;
    if (!authorizerAppid) return;
    const at = event.CreateTime * 1000;
    const pair = { kind: 'authorizer', componentAppid, appid: authorizerAppid } as const;
    const existing = await this.credentials.authorizer(pair);
    if (!existing && !(await this.credentials.component(componentAppid))) {
      this.logger.warn(`unauthorized event of unknown component ${componentAppid} ignored`);
      return;
    }
    if (existing && (existing.changedAt > at || (existing.changedAt === at && existing.status === 'unauthorized'))) {
      if (existing.changedAt === at) await this.events.authorizerChanged(componentAppid, authorizerAppid, { status: 'unauthorized', funcScopes: [], at });
      return;
    }
    const saved = await this.credentials.saveAuthorizerUnlessNewer(
      { appid: authorizerAppid, componentAppid, status: 'unauthorized', funcScopes: [], changedAt: at, codeHash: existing?.codeHash },
      this.clock.now(),
    );
    if (!saved) return;
    await this.keeper.dropToken(pair);
    await this.events.authorizerChanged(componentAppid, authorizerAppid, { status: 'unauthorized', funcScopes: [], at });
    this.logger.log(`authorizer ${authorizerAppid} unauthorized component ${componentAppid}`);
  }
}
