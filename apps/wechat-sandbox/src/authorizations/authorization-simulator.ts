import type { AccountRegistry } from '../accounts/account-registry.js';
import type { PushResult, EventPusher } from '../tickets/event-pusher.js';
import type { TokenStore } from '../tokens/token-store.js';
import type { AuthorizationStore } from './authorization-store.js';

export interface AuthorizeInput {
  componentAppid: string;
  authorizerAppid: string;
  funcScopes?: number[];
  /** A code from api_create_preauthcode (consumed); one is made up when absent. */
  preAuthCode?: string;
  /** Fixes the refresh token (seeded demos); a random one otherwise. */
  refreshToken?: string;
  /** Send the event to the component's callback (default true). */
  notify?: boolean;
  /** updateauthorized only: end the authorizer's current token, as a permission change may. */
  invalidateToken?: boolean;
}

export interface AuthorizeResult {
  authorizationCode: string;
  /** Unix seconds. */
  authorizationCodeExpiredTime: number;
  preAuthCode: string;
  delivery: PushResult;
}

export class SimulationError extends Error {}

/** A merchant granting, changing or revoking a component's authorization, with WeChat's events. */
export class AuthorizationSimulator {
  constructor(
    private readonly accounts: AccountRegistry,
    private readonly authorizations: AuthorizationStore,
    private readonly tokens: TokenStore,
    private readonly pusher: EventPusher,
  ) {}

  authorize(input: AuthorizeInput): Promise<AuthorizeResult> {
    return this.#grant('authorized', input);
  }

  update(input: AuthorizeInput): Promise<AuthorizeResult> {
    if (this.authorizations.get(input.componentAppid, input.authorizerAppid)?.status !== 'authorized') {
      throw new SimulationError(`${input.authorizerAppid} has not authorized ${input.componentAppid}`);
    }
    return this.#grant('updateauthorized', input);
  }

  async unauthorize(input: { componentAppid: string; authorizerAppid: string; notify?: boolean }): Promise<{ delivery: PushResult }> {
    const component = this.#component(input.componentAppid);
    if (!this.authorizations.unauthorize(input.componentAppid, input.authorizerAppid)) {
      throw new SimulationError(`${input.authorizerAppid} has not authorized ${input.componentAppid}`);
    }
    this.tokens.revoke({ channel: 'authorizer', appid: input.authorizerAppid, componentAppid: input.componentAppid });
    if (input.notify === false) return { delivery: { acknowledged: false, attempts: 0 } };
    const delivery = await this.pusher.push(component, { InfoType: 'unauthorized', AuthorizerAppid: input.authorizerAppid });
    return { delivery };
  }

  async #grant(infoType: 'authorized' | 'updateauthorized', input: AuthorizeInput): Promise<AuthorizeResult> {
    const component = this.#component(input.componentAppid);
    let preAuthCode = input.preAuthCode;
    if (preAuthCode === undefined) preAuthCode = this.authorizations.createPreAuthCode(component.appid).code;
    if (!this.authorizations.consumePreAuthCode(component.appid, preAuthCode)) {
      throw new SimulationError('pre-auth code is unknown, spent, expired or of another component');
    }
    const code = this.authorizations.authorize(component.appid, input.authorizerAppid, input.funcScopes, input.refreshToken);
    if (infoType === 'updateauthorized' && input.invalidateToken) {
      this.tokens.revoke({ channel: 'authorizer', appid: input.authorizerAppid, componentAppid: component.appid });
    }
    const result = { authorizationCode: code.authorizationCode, authorizationCodeExpiredTime: code.expiresAt, preAuthCode };
    if (input.notify === false) return { ...result, delivery: { acknowledged: false, attempts: 0 } };
    const delivery = await this.pusher.push(component, {
      InfoType: infoType,
      AuthorizerAppid: input.authorizerAppid,
      AuthorizationCode: code.authorizationCode,
      AuthorizationCodeExpiredTime: code.expiresAt,
      PreAuthCode: preAuthCode,
    });
    return { ...result, delivery };
  }

  #component(appid: string) {
    const component = this.accounts.components.get(appid);
    if (!component) throw new SimulationError(`unknown component ${appid}`);
    return component;
  }
}
