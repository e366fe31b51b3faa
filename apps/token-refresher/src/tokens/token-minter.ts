import { Injectable } from '@nestjs/common';
import type { CredentialRef } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { WechatGateway } from '../adapters/wechat-gateway.js';
import { CredentialRepository, type AuthorizerKey } from '../persistence/credential.repository.js';
import { notFound, throwError, unavailable } from './token-errors.js';

export interface MintedToken {
  token: string;
  expiresInS: number;
  /** When WeChat answered (epoch ms). */
  answeredAt: number;
}

/**
 * One mint, its preconditions checked: `call` makes the one WeChat call. An authorizer's mint
 * names the component whose token `call` needs; the caller brings it (ComponentTokenProvider).
 */
export interface PreparedMint {
  componentAppid?: string;
  call(componentToken?: string): Promise<MintedToken>;
}

/**
 * The WeChat call that mints a token of each kind, and nothing else: no cache, no lease, no
 * store. A missing precondition (no ticket, unauthorized, no refresh token) throws a WxgateError
 * from `prepare`, before any call; WeChat's own failures propagate from `call` as
 * WechatApiError / WechatUnreachableError for the keeper to count and back off.
 */
@Injectable()
export class TokenMinter {
  constructor(
    private readonly credentials: CredentialRepository,
    private readonly wechat: WechatGateway,
    private readonly clock: Clock,
  ) {}

  prepare(ref: CredentialRef, opts: { force: boolean }): Promise<PreparedMint> {
    switch (ref.kind) {
      case 'component':
        return this.#component(ref.appid);
      case 'authorizer':
        return this.#authorizer({ componentAppid: ref.componentAppid!, appid: ref.appid });
      case 'app':
        return this.#app(ref.appid, opts.force);
    }
  }

  async #component(appid: string): Promise<PreparedMint> {
    const component = (await this.credentials.component(appid)) ?? throwError(notFound({ kind: 'component', appid }));
    if (!component.ticket) throw unavailable(`component ${appid} has no component_verify_ticket yet (WeChat pushes one every 10 minutes to the callback)`);
    const ticket = component.ticket;
    return {
      call: async () => {
        const res = await this.wechat.componentToken({ componentAppid: appid, componentAppsecret: component.secret, componentVerifyTicket: ticket });
        return { token: res.component_access_token, expiresInS: res.expires_in, answeredAt: this.clock.now() };
      },
    };
  }

  async #authorizer(key: AuthorizerKey): Promise<PreparedMint> {
    const { appid } = key;
    const authorizer = (await this.credentials.authorizer(key)) ?? throwError(notFound({ kind: 'authorizer', ...key }));
    if (authorizer.status !== 'authorized') throw unavailable(`authorizer ${appid} has unauthorized component ${authorizer.componentAppid}`);
    const refreshToken = authorizer.refreshToken ?? throwError(unavailable(`authorizer ${appid} of component ${key.componentAppid} has no refresh token`));
    return {
      componentAppid: authorizer.componentAppid,
      call: async (componentToken) => {
        const res = await this.wechat.authorizerToken(componentToken!, {
          componentAppid: authorizer.componentAppid,
          authorizerAppid: appid,
          authorizerRefreshToken: refreshToken,
        });
        const answeredAt = this.clock.now();
        if (res.authorizer_refresh_token && res.authorizer_refresh_token !== refreshToken) {
          await this.credentials.updateRefreshToken(key, res.authorizer_refresh_token, answeredAt);
        }
        return { token: res.authorizer_access_token, expiresInS: res.expires_in, answeredAt };
      },
    };
  }

  async #app(appid: string, force: boolean): Promise<PreparedMint> {
    const app = (await this.credentials.app(appid)) ?? throwError(notFound({ kind: 'app', appid }));
    return {
      call: async () => {
        const res = await this.wechat.stableToken({ appid, secret: app.secret, forceRefresh: force });
        return { token: res.access_token, expiresInS: res.expires_in, answeredAt: this.clock.now() };
      },
    };
  }
}
