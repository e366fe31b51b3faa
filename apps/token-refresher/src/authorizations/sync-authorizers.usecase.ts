import { Injectable } from '@nestjs/common';
import { Reason, WxgateError, type AuthorizerSyncReply } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { RefresherEvents } from '../adapters/refresher-events.js';
import { WechatGateway } from '../adapters/wechat-gateway.js';
import { CredentialRepository, type Authorizer } from '../persistence/credential.repository.js';
import { TokenStateRepository } from '../persistence/token-state.repository.js';
import { describeFailure, notFound } from '../tokens/token-errors.js';
import { ComponentTokenProvider } from '../tokens/component-token-provider.js';
import { TokenKeeper } from '../tokens/token-keeper.js';

const PAGE = 500;

/**
 * `authorizer.sync`: pulls every authorization of a component from WeChat
 * (`api_get_authorizer_list`, 500 a page) and stores its refresh token — how lost refresh tokens
 * are recovered. New or changed authorizations publish an authorizer event. Then it reconciles:
 * an authorizer of that component WeChat no longer lists (a revocation whose event was lost)
 * becomes `unauthorized` like on WeChat's own event, so its token stops being served and the
 * policy service stops relaying for it. Only a complete listing reconciles: a failed page fails
 * the whole sync and changes nothing more.
 */
@Injectable()
export class SyncAuthorizers {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly tokens: TokenStateRepository,
    private readonly keeper: TokenKeeper,
    private readonly components: ComponentTokenProvider,
    private readonly wechat: WechatGateway,
    private readonly events: RefresherEvents,
    private readonly clock: Clock,
  ) {}

  async execute(componentAppid: string): Promise<AuthorizerSyncReply> {
    if (!(await this.credentials.component(componentAppid))) throw notFound({ kind: 'component', appid: componentAppid });
    let imported = 0;
    const listed = new Set<string>();
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.#page(componentAppid, offset).catch((err: unknown) => {
        throw this.#unavailable(err);
      });
      for (const item of page.list) {
        if (typeof item.authorizer_appid === 'string') listed.add(item.authorizer_appid);
        if (typeof item.authorizer_appid !== 'string' || typeof item.refresh_token !== 'string' || item.refresh_token === '') continue;
        await this.#store(componentAppid, item.authorizer_appid, item.refresh_token);
        imported++;
      }
      if (page.list.length === 0 || offset + page.list.length >= page.total_count) break;
    }
    let unauthorized = 0;
    for (const a of await this.credentials.authorizers(componentAppid)) {
      if (a.status === 'authorized' && !listed.has(a.appid) && (await this.#unauthorize(a))) unauthorized++;
    }
    return { imported, unauthorized };
  }

  #page(componentAppid: string, offset: number) {
    return this.components.use(componentAppid, (token) => this.wechat.getAuthorizerList(token, componentAppid, offset, PAGE));
  }

  async #store(componentAppid: string, authorizerAppid: string, refreshToken: string): Promise<void> {
    const pair = { kind: 'authorizer', componentAppid, appid: authorizerAppid } as const;
    const existing = await this.credentials.authorizer(pair);
    const unchanged = existing?.status === 'authorized' && existing.refreshToken === refreshToken;
    if (unchanged) return;
    const now = this.clock.now();
    const funcScopes = existing?.status === 'authorized' ? existing.funcScopes : [];
    await this.credentials.saveAuthorizer({ appid: authorizerAppid, componentAppid, refreshToken, status: 'authorized', funcScopes, changedAt: now }, now);
    if (existing && existing.status !== 'authorized') await this.keeper.dropToken(pair);
    await this.tokens.ensure(pair);
    await this.tokens.clearBackoff(pair);
    await this.events.authorizerChanged(componentAppid, authorizerAppid, { status: 'authorized', funcScopes, at: now });
  }

  /** Marks a pair WeChat stopped listing unauthorized; false when a newer change was stored meanwhile. */
  async #unauthorize(a: Authorizer): Promise<boolean> {
    const at = Math.max(this.clock.now(), a.changedAt + 1);
    const saved = await this.credentials.saveAuthorizerUnlessNewer(
      { appid: a.appid, componentAppid: a.componentAppid, status: 'unauthorized', funcScopes: [], changedAt: at, codeHash: a.codeHash },
      this.clock.now(),
    );
    if (!saved) return false;
    await this.keeper.dropToken({ kind: 'authorizer', componentAppid: a.componentAppid, appid: a.appid });
    await this.events.authorizerChanged(a.componentAppid, a.appid, { status: 'unauthorized', funcScopes: [], at });
    return true;
  }

  #unavailable(err: unknown): Error {
    if (err instanceof WxgateError) return err;
    const failure = describeFailure(err);
    return new WxgateError(Reason.TOKEN_UNAVAILABLE, `api_get_authorizer_list: ${failure.message}`, failure.errcode);
  }
}
