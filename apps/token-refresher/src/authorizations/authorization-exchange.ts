import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Reason, WxgateError } from '@wxgate/contracts';
import { funcScopesOf, WechatApiError, WechatErrcode, type AuthorizationInfo } from '@wxgate/wechat';
import { Clock, SingleFlight } from '@wxgate/platform';
import { RefresherEvents } from '../adapters/refresher-events.js';
import { WechatGateway } from '../adapters/wechat-gateway.js';
import { CredentialRepository, type Authorizer } from '../persistence/credential.repository.js';
import { ComponentTokenProvider } from '../tokens/component-token-provider.js';
import { TokenKeeper } from '../tokens/token-keeper.js';

/**
 * An authorization code's exchange (`api_query_auth`), shared by the `authorized` /
 * `updateauthorized` event (HandleAuthorization) and an SDK's `api_query_auth`
 * (IssueAuthorizationToSdk): keeps the refresh token, the token (adopted by the keeper) and the
 * permission sets, and publishes the authorizer event. Idempotent: a redelivered code
 * (recognised by its hash) or an event older than the stored authorization makes no WeChat call
 * (a replay only republishes, under the same message id). An already spent code (61010) falls
 * back to `api_get_authorizer_info`, so a redelivered message cannot fail forever.
 */
@Injectable()
export class AuthorizationExchange {
  private readonly logger = new Logger('HandleAuthorization');
  /** One exchange per code in this process, whether an event or an SDK brought it. */
  readonly #codes = new SingleFlight<string, Authorizer | undefined>();

  constructor(
    private readonly credentials: CredentialRepository,
    private readonly keeper: TokenKeeper,
    private readonly components: ComponentTokenProvider,
    private readonly wechat: WechatGateway,
    private readonly events: RefresherEvents,
    private readonly clock: Clock,
  ) {}

  /** The code an event of `authorizerAppid` brought, created `at` (epoch ms); `what` names the event in the log. */
  async fromEvent(e: { componentAppid: string; authorizerAppid: string; code: string; at: number; what: string }): Promise<void> {
    const codeHash = hashOf(e.code);
    await this.#codes.run(codeHash, () => this.#authorize({ ...e, codeHash }));
  }

  /**
   * `api_query_auth` asked by an SDK (docs/sdk.md): the authorization `code` stands for. A code
   * already exchanged (its event came first, or another caller asked) is answered from the store;
   * otherwise it is exchanged here, once however many callers ask at the same time.
   */
  async exchangeCode(componentAppid: string, code: string): Promise<Authorizer> {
    const codeHash = hashOf(code);
    const authorizer = await this.#codes.run(codeHash, async () => {
      const known = await this.credentials.authorizerByCode(componentAppid, codeHash);
      return known ?? this.#authorize({ componentAppid, code, codeHash, at: this.clock.now(), what: 'api_query_auth' });
    });
    if (!authorizer) throw new WxgateError(Reason.TOKEN_UNAVAILABLE, 'the authorization changed while WeChat answered; ask again', WechatErrcode.AUTHORIZATION_CODE_EXPIRED);
    return authorizer;
  }

  /** Exchanges the code and stores the authorization; undefined when a newer change stands. */
  async #authorize(c: { componentAppid: string; authorizerAppid?: string; code: string; codeHash: string; at: number; what: string }): Promise<Authorizer | undefined> {
    const { componentAppid, codeHash, at } = c;
    let existing: Authorizer | undefined;
    if (c.authorizerAppid !== undefined) {
      existing = await this.credentials.authorizer({ componentAppid, appid: c.authorizerAppid });
      if (existing?.codeHash === codeHash) {
        // A redelivery or replay: the authorization was stored; make sure its event went out.
        if (existing.status === 'authorized') {
          await this.events.authorizerChanged(existing.componentAppid, existing.appid, { status: 'authorized', funcScopes: existing.funcScopes, at: existing.changedAt });
        }
        return existing;
      }
      if (existing && existing.changedAt > at) return undefined;
    }

    const info = await this.#exchange(componentAppid, c.authorizerAppid, c.code);
    if (!info) return undefined;
    const authorizerAppid = c.authorizerAppid ?? info.info.authorizer_appid;
    const pair = { kind: 'authorizer', componentAppid, appid: authorizerAppid } as const;
    if (c.authorizerAppid === undefined) existing = await this.credentials.authorizer(pair);
    const funcScopes = funcScopesOf(info.info);
    const now = this.clock.now();
    // The token goes in first: a get that sees the authorization finds it instead of minting another.
    // Other replicas drop theirs on the token.refreshed published below.
    const expiresAt = info.accessToken ? await this.keeper.adopt(pair, { token: info.accessToken, expiresInS: info.expiresInS, answeredAt: now }) : undefined;
    const authorizer: Authorizer = {
      appid: authorizerAppid,
      componentAppid,
      refreshToken: info.refreshToken ?? existing?.refreshToken,
      status: 'authorized',
      funcScopes,
      changedAt: at,
      codeHash,
    };
    if (!(await this.credentials.saveAuthorizerUnlessNewer(authorizer, now))) {
      // A newer change was stored while WeChat answered: it stands, and a revocation keeps no token.
      if ((await this.credentials.authorizer(pair))?.status !== 'authorized') await this.keeper.dropToken(pair);
      return undefined;
    }
    if (expiresAt !== undefined) await this.events.tokenRefreshed(pair, expiresAt);
    await this.events.authorizerChanged(componentAppid, authorizerAppid, { status: 'authorized', funcScopes, at });
    this.logger.log(`authorizer ${authorizerAppid} ${c.what} component ${componentAppid}`);
    return authorizer;
  }

  async #exchange(
    componentAppid: string,
    authorizerAppid: string | undefined,
    code: string,
  ): Promise<{ info: { authorizer_appid: string; func_info?: AuthorizationInfo['func_info'] }; refreshToken?: string; accessToken?: string; expiresInS: number } | undefined> {
    let componentToken: string | undefined;
    try {
      const res = await this.components.use(componentAppid, (token) => {
        componentToken = token;
        return this.wechat.queryAuth(token, componentAppid, code);
      });
      const info = res.authorization_info;
      return { info, refreshToken: info.authorizer_refresh_token || undefined, accessToken: info.authorizer_access_token, expiresInS: info.expires_in };
    } catch (err) {
      if (!(err instanceof WechatApiError && err.errcode === WechatErrcode.AUTHORIZATION_CODE_EXPIRED)) throw err;
      // Without the event there is no appid to look the authorization up by.
      if (authorizerAppid === undefined) throw new WxgateError(Reason.TOKEN_UNAVAILABLE, 'authorization code expired or already used', err.errcode);
    }
    // The code is spent or expired (a redelivery after a crash, or a late event): ask for the authorization itself.
    try {
      const res = await this.wechat.getAuthorizerInfo(componentToken!, componentAppid, authorizerAppid);
      return { info: { ...res.authorization_info, authorizer_appid: authorizerAppid }, refreshToken: res.authorization_info.authorizer_refresh_token || undefined, expiresInS: 0 };
    } catch (err) {
      this.logger.warn(`authorization of ${authorizerAppid} could not be recovered after 61010: ${(err as Error).message}`);
      return undefined;
    }
  }
}

const hashOf = (code: string): string => createHash('sha256').update(code).digest('hex');
