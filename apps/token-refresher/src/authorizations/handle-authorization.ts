import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { WechatEvent } from '@wxgate/contracts';
import { funcScopesOf, isTokenRejection, WechatApiError, WechatErrcode, type AuthorizationInfo } from '@wxgate/wechat';
import { Clock } from '../adapters/clock.js';
import { RefresherEvents } from '../adapters/refresher-events.js';
import { WechatGateway } from '../adapters/wechat-gateway.js';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { TokenStateRepository } from '../persistence/token-state.repository.js';
import { TokenKeeper } from '../tokens/token-keeper.js';
import { servedUntil } from '../tokens/token-timing.js';

/**
 * `authorized` / `updateauthorized`: exchange the code (`api_query_auth`), keep the refresh token,
 * the token and the permission sets, and publish the authorizer event. Idempotent: a redelivered
 * code (recognised by its hash) or an event older than the stored authorization makes no WeChat
 * call (a replay only republishes, under the same message id). An already spent code (61010) falls back to `api_get_authorizer_info`, so a
 * redelivered message cannot fail forever.
 */
@Injectable()
export class HandleAuthorization {
  private readonly logger = new Logger('HandleAuthorization');

  constructor(
    private readonly credentials: CredentialRepository,
    private readonly keeper: TokenKeeper,
    private readonly wechat: WechatGateway,
    private readonly tokens: TokenStateRepository,
    private readonly events: RefresherEvents,
    private readonly clock: Clock,
  ) {}

  async run(event: WechatEvent): Promise<void> {
    const componentAppid = event.AppId;
    const authorizerAppid = event.AuthorizerAppid;
    const code = event.AuthorizationCode;
    if (!authorizerAppid || !code) {
      this.logger.warn(`${event.InfoType} event of ${componentAppid} without AuthorizerAppid or AuthorizationCode ignored`);
      return;
    }
    if (!(await this.credentials.component(componentAppid))) {
      this.logger.warn(`${event.InfoType} event of unknown component ${componentAppid} ignored`);
      return;
    }
    const at = event.CreateTime * 1000;
    const codeHash = createHash('sha256').update(code).digest('hex');
    const pair = { kind: 'authorizer', componentAppid, appid: authorizerAppid } as const;
    const existing = await this.credentials.authorizer(pair);
    if (existing?.codeHash === codeHash) {
      // A redelivery or replay: the authorization was stored; make sure its event went out.
      if (existing.status === 'authorized') {
        await this.events.authorizerChanged(componentAppid, authorizerAppid, { status: 'authorized', funcScopes: existing.funcScopes, at: existing.changedAt });
      }
      return;
    }
    if (existing && existing.changedAt > at) return;

    const info = await this.#exchange(componentAppid, authorizerAppid, code);
    if (!info) return;
    const funcScopes = funcScopesOf(info.info);
    const now = this.clock.now();
    // The token goes in first: a get that sees the authorization finds it instead of minting another.
    const expiresAt = info.accessToken ? servedUntil(now, info.expiresInS) : undefined;
    if (info.accessToken && expiresAt !== undefined) {
      await this.tokens.ensure(pair);
      await this.tokens.saveToken(pair, { token: info.accessToken, obtainedAt: now, expiresAt });
      // Other replicas drop theirs on the token.refreshed published below.
      this.keeper.forget(pair);
    }
    const saved = await this.credentials.saveAuthorizerUnlessNewer(
      { appid: authorizerAppid, componentAppid, refreshToken: info.refreshToken ?? existing?.refreshToken, status: 'authorized', funcScopes, changedAt: at, codeHash },
      now,
    );
    if (!saved) {
      // A newer change was stored while WeChat answered: it stands, and a revocation keeps no token.
      if ((await this.credentials.authorizer(pair))?.status !== 'authorized') await this.keeper.dropToken(pair);
      return;
    }
    if (expiresAt !== undefined) await this.events.tokenRefreshed(pair, expiresAt);
    await this.events.authorizerChanged(componentAppid, authorizerAppid, { status: 'authorized', funcScopes, at });
    this.logger.log(`authorizer ${authorizerAppid} ${event.InfoType} component ${componentAppid}`);
  }

  async #exchange(
    componentAppid: string,
    authorizerAppid: string,
    code: string,
  ): Promise<{ info: { func_info?: AuthorizationInfo['func_info'] }; refreshToken?: string; accessToken?: string; expiresInS: number } | undefined> {
    let componentToken = await this.keeper.componentTokens.current(componentAppid);
    try {
      let res;
      try {
        res = await this.wechat.queryAuth(componentToken, componentAppid, code);
      } catch (err) {
        if (!(err instanceof WechatApiError && isTokenRejection(err.errcode))) throw err;
        componentToken = await this.keeper.componentTokens.replace(componentAppid, componentToken);
        res = await this.wechat.queryAuth(componentToken, componentAppid, code);
      }
      const info = res.authorization_info;
      return { info, refreshToken: info.authorizer_refresh_token || undefined, accessToken: info.authorizer_access_token, expiresInS: info.expires_in };
    } catch (err) {
      if (!(err instanceof WechatApiError && err.errcode === WechatErrcode.AUTHORIZATION_CODE_EXPIRED)) throw err;
    }
    // The code is spent or expired (a redelivery after a crash, or a late event): ask for the authorization itself.
    try {
      const res = await this.wechat.getAuthorizerInfo(componentToken, componentAppid, authorizerAppid);
      return { info: res.authorization_info, refreshToken: res.authorization_info.authorizer_refresh_token || undefined, expiresInS: 0 };
    } catch (err) {
      this.logger.warn(`authorization of ${authorizerAppid} could not be recovered after 61010: ${(err as Error).message}`);
      return undefined;
    }
  }
}
