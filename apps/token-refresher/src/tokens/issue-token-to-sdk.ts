import { Injectable } from '@nestjs/common';
import { Reason, WxgateError, type TokenReply } from '@wxgate/contracts';
import { safeEqual, WechatErrcode } from '@wxgate/wechat';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { GetToken } from './get-token.js';
import { InvalidateToken } from './invalidate-token.js';
import { TokenKeeper } from './token-keeper.js';
import { notFound, throwError } from './token-errors.js';

const rejected = (errcode: number, message: string) => new WxgateError(Reason.CREDENTIAL_REJECTED, message, errcode);

/**
 * `token.issue.*`: what an unmodified WeChat SDK gets from the forwarder's token endpoints
 * (docs/sdk.md). The caller proves it holds the credential — the secret, or the component token
 * wxgate issued — and gets the token wxgate already keeps: a caller never causes a WeChat call
 * wxgate would not have made anyway, and `forceRefresh` is an ordinary, rate-limited invalidation.
 * Proofs are compared as digests in constant time; the forwarder holds no secret to compare with.
 */
@Injectable()
export class IssueTokenToSdk {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly keeper: TokenKeeper,
    private readonly getToken: GetToken,
    private readonly invalidateToken: InvalidateToken,
  ) {}

  async app(appid: string, secret: string, forceRefresh: boolean): Promise<TokenReply> {
    const ref = { kind: 'app', appid } as const;
    const app = (await this.credentials.app(appid)) ?? throwError(notFound(ref));
    checkSecret(app.secret, secret);
    const current = await this.getToken.run(ref);
    return forceRefresh ? this.invalidateToken.run(ref, current.token) : current;
  }

  async component(componentAppid: string, secret: string): Promise<TokenReply> {
    const ref = { kind: 'component', appid: componentAppid } as const;
    const component = (await this.credentials.component(componentAppid)) ?? throwError(notFound(ref));
    checkSecret(component.secret, secret);
    return this.getToken.run(ref);
  }

  async authorizer(componentAppid: string, authorizerAppid: string, componentToken: string): Promise<TokenReply> {
    await this.checkComponentToken(componentAppid, componentToken);
    const pair = { kind: 'authorizer', componentAppid, appid: authorizerAppid } as const;
    if (!(await this.credentials.exists(pair))) throw notFound(pair);
    return this.getToken.run(pair);
  }

  /**
   * The caller's component token must be the one wxgate holds now. An older one (WeChat keeps it
   * working a few minutes after a refresh) gets WeChat's own 40001, and the SDK fetches the new one.
   */
  async checkComponentToken(componentAppid: string, componentToken: string): Promise<void> {
    const ref = { kind: 'component', appid: componentAppid } as const;
    if (!(await this.credentials.exists(ref))) throw notFound(ref);
    const held = await this.keeper.held(ref);
    if (!held || !safeEqual(held.token, componentToken)) {
      throw rejected(WechatErrcode.INVALID_CREDENTIAL, 'invalid credential, component_access_token is invalid or not latest (wxgate)');
    }
  }
}

function checkSecret(expected: string, given: string): void {
  const same = safeEqual(expected, given);
  if (given === '') throw rejected(WechatErrcode.APPSECRET_MISSING, 'appsecret missing (wxgate)');
  if (!same) throw rejected(WechatErrcode.INVALID_APPSECRET, 'invalid appsecret, or appid and appsecret do not match (wxgate)');
}
