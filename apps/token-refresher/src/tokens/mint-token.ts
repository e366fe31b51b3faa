import { Injectable } from '@nestjs/common';
import { Reason, WxgateError, type CredentialKind } from '@wxgate/contracts';
import { isTokenRejection, WechatApiError } from '@wxgate/wechat';
import { Clock } from '../adapters/clock.js';
import { WechatGateway } from '../adapters/wechat-gateway.js';
import { CredentialRepository } from '../persistence/credential.repository.js';

export interface MintedToken {
  token: string;
  expiresInS: number;
  /** When WeChat answered (epoch ms). */
  answeredAt: number;
}

/** Where an authorizer mint gets (and, when WeChat rejects it, replaces) its component token. */
export interface ComponentTokens {
  current(componentAppid: string): Promise<string>;
  replace(componentAppid: string, rejected: string): Promise<string>;
}

export const notFound = (kind: CredentialKind, appid: string) => new WxgateError(Reason.CREDENTIAL_NOT_FOUND, `no ${kind} ${appid}`);
const unavailable = (message: string) => new WxgateError(Reason.TOKEN_UNAVAILABLE, message);

/**
 * One WeChat call that mints a token of `kind`. A missing precondition (no ticket, unauthorized,
 * no refresh token) throws a WxgateError before any call; WeChat's own failures propagate as
 * WechatApiError / WechatUnreachableError for the caller to count and back off.
 */
@Injectable()
export class MintToken {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly wechat: WechatGateway,
    private readonly clock: Clock,
  ) {}

  async mint(kind: CredentialKind, appid: string, opts: { force: boolean; components: ComponentTokens }): Promise<MintedToken> {
    switch (kind) {
      case 'component':
        return this.#component(appid);
      case 'authorizer':
        return this.#authorizer(appid, opts.components);
      case 'app':
        return this.#app(appid, opts.force);
    }
  }

  async #component(appid: string): Promise<MintedToken> {
    const component = (await this.credentials.component(appid)) ?? throwError(notFound('component', appid));
    if (!component.ticket) throw unavailable(`component ${appid} has no component_verify_ticket yet (WeChat pushes one every 10 minutes to the callback)`);
    const res = await this.wechat.componentToken({
      componentAppid: appid,
      componentAppsecret: component.secret,
      componentVerifyTicket: component.ticket,
    });
    return { token: res.component_access_token, expiresInS: res.expires_in, answeredAt: this.clock.now() };
  }

  async #authorizer(appid: string, components: ComponentTokens): Promise<MintedToken> {
    const authorizer = (await this.credentials.authorizer(appid)) ?? throwError(notFound('authorizer', appid));
    if (authorizer.status !== 'authorized') throw unavailable(`authorizer ${appid} has unauthorized component ${authorizer.componentAppid}`);
    const refreshToken = authorizer.refreshToken ?? throwError(unavailable(`authorizer ${appid} has no refresh token`));
    const call = (componentToken: string) =>
      this.wechat.authorizerToken(componentToken, {
        componentAppid: authorizer.componentAppid,
        authorizerAppid: appid,
        authorizerRefreshToken: refreshToken,
      });
    const componentToken = await components.current(authorizer.componentAppid);
    let res;
    try {
      res = await call(componentToken);
    } catch (err) {
      // Our component token was refused: replace it (compare-and-refresh) and try once more.
      if (!(err instanceof WechatApiError && isTokenRejection(err.errcode))) throw err;
      res = await call(await components.replace(authorizer.componentAppid, componentToken));
    }
    const answeredAt = this.clock.now();
    if (res.authorizer_refresh_token && res.authorizer_refresh_token !== refreshToken) {
      await this.credentials.updateRefreshToken(appid, res.authorizer_refresh_token, answeredAt);
    }
    return { token: res.authorizer_access_token, expiresInS: res.expires_in, answeredAt };
  }

  async #app(appid: string, force: boolean): Promise<MintedToken> {
    const app = (await this.credentials.app(appid)) ?? throwError(notFound('app', appid));
    const res = await this.wechat.stableToken({ appid, secret: app.secret, forceRefresh: force });
    return { token: res.access_token, expiresInS: res.expires_in, answeredAt: this.clock.now() };
  }
}

export function throwError(err: Error): never {
  throw err;
}
