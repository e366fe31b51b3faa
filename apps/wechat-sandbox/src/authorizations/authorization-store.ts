import { randomBytes } from 'node:crypto';
import type { Clock } from '@wxgate/platform';
import type { Knobs } from '../knobs.js';

/** Permission sets granted when a simulated merchant does not say (account, development, basic info…). */
export const DEFAULT_FUNC_SCOPES: readonly number[] = [1, 2, 3, 17, 18, 19, 25, 30, 31, 36, 40, 49];

export interface Authorization {
  componentAppid: string;
  authorizerAppid: string;
  funcScopes: number[];
  refreshToken: string;
  /** Unix seconds of the (latest) authorization. */
  authTime: number;
  status: 'authorized' | 'unauthorized';
}

export interface IssuedCode {
  authorizationCode: string;
  /** Unix seconds (the ⚠ of docs/wechat-protocol.md: seen as a timestamp in practice). */
  expiresAt: number;
}

interface CodeEntry {
  componentAppid: string;
  authorizerAppid: string;
  expiresAt: number;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; errcode: number };

const key = (componentAppid: string, authorizerAppid: string) => `${componentAppid}:${authorizerAppid}`;

/** Pre-auth codes, single-use authorization codes and the authorizations they lead to. */
export class AuthorizationStore {
  readonly #authorizations = new Map<string, Authorization>();
  readonly #preAuthCodes = new Map<string, { componentAppid: string; expiresAt: number }>();
  readonly #codes = new Map<string, CodeEntry>();

  constructor(
    private readonly clock: Clock,
    private readonly knobs: Knobs,
  ) {}

  createPreAuthCode(componentAppid: string): { code: string; expiresInS: number } {
    const code = `preauthcode@@@${randomBytes(36).toString('base64url')}`;
    this.#preAuthCodes.set(code, { componentAppid, expiresAt: this.clock.now() + this.knobs.preAuthCodeTtlS * 1000 });
    return { code, expiresInS: this.knobs.preAuthCodeTtlS };
  }

  /** A pre-auth code is single use; false when unknown, spent, expired or another component's. */
  consumePreAuthCode(componentAppid: string, code: string): boolean {
    const entry = this.#preAuthCodes.get(code);
    this.#preAuthCodes.delete(code);
    return !!entry && entry.componentAppid === componentAppid && entry.expiresAt > this.clock.now();
  }

  /**
   * A merchant authorizes (or re-authorizes with other permissions): the authorization is recorded
   * with its refresh token and a fresh authorization code is issued for the event.
   */
  authorize(componentAppid: string, authorizerAppid: string, funcScopes?: number[], refreshToken?: string): IssuedCode {
    const now = this.clock.now();
    const existing = this.#authorizations.get(key(componentAppid, authorizerAppid));
    const keepRefresh = existing?.status === 'authorized' ? existing.refreshToken : undefined;
    this.#authorizations.set(key(componentAppid, authorizerAppid), {
      componentAppid,
      authorizerAppid,
      funcScopes: [...(funcScopes ?? existing?.funcScopes ?? DEFAULT_FUNC_SCOPES)],
      refreshToken: refreshToken ?? keepRefresh ?? newRefreshToken(),
      authTime: Math.floor(now / 1000),
      status: 'authorized',
    });
    const authorizationCode = `queryauthcode@@@${randomBytes(48).toString('base64url')}`;
    const expiresAt = now + this.knobs.authCodeTtlS * 1000;
    this.#codes.set(authorizationCode, { componentAppid, authorizerAppid, expiresAt });
    return { authorizationCode, expiresAt: Math.floor(expiresAt / 1000) };
  }

  unauthorize(componentAppid: string, authorizerAppid: string): boolean {
    const authorization = this.#authorizations.get(key(componentAppid, authorizerAppid));
    if (!authorization || authorization.status === 'unauthorized') return false;
    authorization.status = 'unauthorized';
    for (const [code, entry] of this.#codes) {
      if (entry.componentAppid === componentAppid && entry.authorizerAppid === authorizerAppid) this.#codes.delete(code);
    }
    return true;
  }

  /** api_query_auth: 61009 unknown or spent code, 61010 expired; a code works once. */
  redeemCode(componentAppid: string, code: string): Outcome<Authorization> {
    const entry = this.#codes.get(code);
    if (!entry || entry.componentAppid !== componentAppid) return { ok: false, errcode: 61009 };
    this.#codes.delete(code);
    if (entry.expiresAt <= this.clock.now()) return { ok: false, errcode: 61010 };
    const authorization = this.#authorizations.get(key(componentAppid, entry.authorizerAppid));
    if (!authorization || authorization.status !== 'authorized') return { ok: false, errcode: 61009 };
    return { ok: true, value: authorization };
  }

  /** api_authorizer_token: 61023 for a refresh token that is not the authorization's current one. */
  checkRefreshToken(componentAppid: string, authorizerAppid: string, refreshToken: string): Outcome<Authorization> {
    const authorization = this.#authorizations.get(key(componentAppid, authorizerAppid));
    if (!authorization || authorization.status !== 'authorized' || authorization.refreshToken !== refreshToken) {
      return { ok: false, errcode: 61023 };
    }
    if (this.knobs.rotateRefreshTokens) authorization.refreshToken = newRefreshToken();
    return { ok: true, value: authorization };
  }

  get(componentAppid: string, authorizerAppid: string): Authorization | undefined {
    return this.#authorizations.get(key(componentAppid, authorizerAppid));
  }

  /** The active authorizations of a component, oldest first (api_get_authorizer_list). */
  list(componentAppid: string): Authorization[] {
    return [...this.#authorizations.values()].filter((a) => a.componentAppid === componentAppid && a.status === 'authorized');
  }

  all(): Authorization[] {
    return [...this.#authorizations.values()];
  }

  clear(): void {
    this.#authorizations.clear();
    this.#preAuthCodes.clear();
    this.#codes.clear();
  }
}

function newRefreshToken(): string {
  return `refreshtoken@@@${randomBytes(36).toString('base64url')}`;
}
