import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@wxgate/platform';
import {
  WechatApiClient,
  WechatApiError,
  type AuthorizerInfoResponse,
  type AuthorizerListResponse,
  type AuthorizerTokenResponse,
  type ComponentTokenResponse,
  type QueryAuthResponse,
  type StableTokenResponse,
  type WechatOkResponse,
} from '@wxgate/wechat';
import type { RefresherConfig } from '../config.js';
import { RefresherMetrics } from './refresher-metrics.js';

/** UPSTREAM_TIMEOUT_MS, but at most two thirds of the refresh lease. */
export function wechatTimeoutMs(config: Pick<RefresherConfig, 'UPSTREAM_TIMEOUT_MS' | 'REFRESH_LEASE_TTL_MS'>): number {
  return Math.max(1_000, Math.min(config.UPSTREAM_TIMEOUT_MS, Math.floor((config.REFRESH_LEASE_TTL_MS * 2) / 3)));
}

/** errcode label for a call that got no usable answer. */
const NO_ANSWER = -2;

/**
 * The WeChat endpoints the refresher calls, counted per endpoint and errcode. Tests replace it
 * with a fake; the e2e tier points `WECHAT_API_BASE` at the sandbox.
 */
@Injectable()
export class WechatGateway implements OnApplicationShutdown {
  readonly #client: WechatApiClient;

  constructor(
    @Inject(APP_CONFIG) config: RefresherConfig,
    private readonly metrics: RefresherMetrics,
  ) {
    this.#client = new WechatApiClient({
      baseUrl: config.WECHAT_API_BASE,
      backupUrl: config.WECHAT_API_BACKUP || undefined,
      // A call must end while its caller still holds the refresh lease, or a second replica could call too.
      timeoutMs: wechatTimeoutMs(config),
    });
  }

  componentToken(p: { componentAppid: string; componentAppsecret: string; componentVerifyTicket: string }): Promise<ComponentTokenResponse> {
    return this.#count('api_component_token', () => this.#client.componentToken(p));
  }

  queryAuth(componentAccessToken: string, componentAppid: string, authorizationCode: string): Promise<QueryAuthResponse> {
    return this.#count('api_query_auth', () => this.#client.queryAuth(componentAccessToken, componentAppid, authorizationCode));
  }

  authorizerToken(
    componentAccessToken: string,
    p: { componentAppid: string; authorizerAppid: string; authorizerRefreshToken: string },
  ): Promise<AuthorizerTokenResponse> {
    return this.#count('api_authorizer_token', () => this.#client.authorizerToken(componentAccessToken, p));
  }

  getAuthorizerInfo(componentAccessToken: string, componentAppid: string, authorizerAppid: string): Promise<AuthorizerInfoResponse> {
    return this.#count('api_get_authorizer_info', () => this.#client.getAuthorizerInfo(componentAccessToken, componentAppid, authorizerAppid));
  }

  getAuthorizerList(componentAccessToken: string, componentAppid: string, offset: number, count: number): Promise<AuthorizerListResponse> {
    return this.#count('api_get_authorizer_list', () => this.#client.getAuthorizerList(componentAccessToken, componentAppid, offset, count));
  }

  startPushTicket(componentAppid: string, componentSecret: string): Promise<WechatOkResponse> {
    return this.#count('api_start_push_ticket', () => this.#client.startPushTicket(componentAppid, componentSecret));
  }

  stableToken(p: { appid: string; secret: string; forceRefresh: boolean }): Promise<StableTokenResponse> {
    return this.#count('stable_token', () => this.#client.stableToken(p));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#client.close().catch(() => undefined);
  }

  async #count<T>(endpoint: string, call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.metrics.wechatCall(endpoint, 0);
      return result;
    } catch (err) {
      this.metrics.wechatCall(endpoint, err instanceof WechatApiError ? err.errcode : NO_ANSWER);
      throw err;
    }
  }
}
