/**
 * Fakes for the refresher's unit tests: a scripted WeChat, recorded events, and
 * the real repositories over an in-memory SQLite database (so the conditional updates behind
 * leases and rate limits are exercised too). No Nest, no network.
 */
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthorizerEvent, CredentialRef } from '@wxgate/contracts';
import { WechatApiError } from '@wxgate/wechat';
import { ManualClock, type Clock } from '@wxgate/platform';
import type { RefresherEvents } from '../adapters/refresher-events.js';
import type { RefresherMetrics } from '../adapters/refresher-metrics.js';
import type { WechatGateway } from '../adapters/wechat-gateway.js';
import type { RefresherConfig } from '../config.js';
import { CredentialRepository } from '../persistence/credential.repository.js';
import { REFRESHER_ENTITIES, REFRESHER_MIGRATIONS } from '../persistence/persistence.js';
import { TokenStateRepository } from '../persistence/token-state.repository.js';
import { SecretBox } from '../secrets/secret-box.js';
import { MerchantRepository } from '../persistence/merchant.repository.js';
import { BackoffPolicy } from '../tokens/backoff-policy.js';
import { RefreshSchedule } from '../tokens/refresh-schedule.js';
import { TokenKeeper } from '../tokens/token-keeper.js';
import { TokenLease } from '../tokens/token-lease.js';
import { TokenMinter } from '../tokens/token-minter.js';

// Failures are expected in these tests; their warnings would only bury the results.
Logger.overrideLogger(false);

type Answer<T> = T | Error | (() => T | Error | Promise<T | Error>);

/** A scripted WeChat: each endpoint answers from a queue, else a fresh token of `expiresInS`. */
export class FakeWechat {
  readonly calls: { endpoint: string; args: unknown[] }[] = [];
  readonly #queued = new Map<string, Answer<unknown>[]>();
  expiresInS = 7200;
  #n = 0;

  constructor(private readonly clock: ManualClock) {}

  /** The next answers of `endpoint` (an Error is thrown). */
  queue(endpoint: string, ...answers: Answer<unknown>[]): void {
    this.#queued.set(endpoint, [...(this.#queued.get(endpoint) ?? []), ...answers]);
  }

  count(endpoint: string): number {
    return this.calls.filter((c) => c.endpoint === endpoint).length;
  }

  componentToken(p: unknown) {
    return this.#answer('api_component_token', [p], () => ({ component_access_token: this.#token('c'), expires_in: this.expiresInS }));
  }
  authorizerToken(componentToken: string, p: unknown) {
    return this.#answer('api_authorizer_token', [componentToken, p], () => ({ authorizer_access_token: this.#token('a'), expires_in: this.expiresInS }));
  }
  stableToken(p: { forceRefresh: boolean }) {
    return this.#answer('stable_token', [p], () => ({ access_token: this.#token('s'), expires_in: this.expiresInS }));
  }
  queryAuth(componentToken: string, componentAppid: string, code: string) {
    return this.#answer('api_query_auth', [componentToken, componentAppid, code], () => {
      throw new WechatApiError(61010, 'code expired', '/cgi-bin/component/api_query_auth');
    });
  }
  getAuthorizerInfo(componentToken: string, componentAppid: string, authorizerAppid: string) {
    return this.#answer('api_get_authorizer_info', [componentToken, componentAppid, authorizerAppid], () => {
      throw new WechatApiError(61003, 'not authorized', '/cgi-bin/component/api_get_authorizer_info');
    });
  }
  getAuthorizerList(componentToken: string, componentAppid: string, offset: number, count: number) {
    return this.#answer('api_get_authorizer_list', [componentToken, componentAppid, offset, count], () => ({ total_count: 0, list: [] }));
  }
  startPushTicket(componentAppid: string, secret: string) {
    return this.#answer('api_start_push_ticket', [componentAppid, secret], () => ({ errcode: 0, errmsg: 'ok' }));
  }

  async #answer<T>(endpoint: string, args: unknown[], fallback: () => T): Promise<T> {
    this.calls.push({ endpoint, args });
    const queue = this.#queued.get(endpoint);
    const next = queue?.shift();
    let value: unknown = next === undefined ? fallback() : typeof next === 'function' ? await (next as () => unknown)() : next;
    if (value instanceof Error) throw value;
    await Promise.resolve();
    value ??= fallback();
    return value as T;
  }

  #token(prefix: string): string {
    return `${prefix}-token-${++this.#n}-at-${this.clock.now()}`;
  }
}

export class FakeEvents {
  readonly refreshed: (CredentialRef & { expiresAt: number })[] = [];
  readonly authorizers: { componentAppid: string; authorizerAppid: string; event: AuthorizerEvent }[] = [];
  async tokenRefreshed(ref: CredentialRef, expiresAt: number): Promise<void> {
    this.refreshed.push({ ...ref, expiresAt });
  }
  async tokenDropped(ref: CredentialRef): Promise<void> {
    this.refreshed.push({ ...ref, expiresAt: 0 });
  }
  async authorizerChanged(componentAppid: string, authorizerAppid: string, event: AuthorizerEvent): Promise<void> {
    this.authorizers.push({ componentAppid, authorizerAppid, event });
  }
}

export const noMetrics = { refresh: () => undefined, wechatCall: () => undefined, served: () => undefined } as unknown as RefresherMetrics;

export function testConfig(overrides: Partial<RefresherConfig> = {}): RefresherConfig {
  return {
    REFRESH_MARGIN_S: 600,
    REFRESH_MAX_PER_S: 20,
    REFRESH_LEASE_TTL_MS: 15_000,
    REFRESH_BACKOFF_MAX_S: 300,
    REFRESH_SCAN_INTERVAL_S: 60,
    INVALIDATE_MIN_INTERVAL_S: 10,
    UPSTREAM_TIMEOUT_MS: 30_000,
    ...overrides,
  } as RefresherConfig;
}

export async function memoryDatabase(): Promise<DataSource> {
  const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: REFRESHER_ENTITIES, migrations: REFRESHER_MIGRATIONS });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return dataSource;
}

/** One refresher's object graph over `dataSource` (call twice with one database for two replicas). */
export function refresherKit(dataSource: DataSource, options: { holder?: string; clock?: ManualClock; config?: Partial<RefresherConfig>; key?: Buffer } = {}) {
  const clock = options.clock ?? new ManualClock();
  const box = new SecretBox(options.key ?? SHARED_KEY);
  const credentials = new CredentialRepository(dataSource, box);
  const tokens = new TokenStateRepository(dataSource, box);
  const merchants = new MerchantRepository(dataSource, box);
  const wechat = new FakeWechat(clock);
  const events = new FakeEvents();
  const config = testConfig(options.config);
  const gateway = wechat as unknown as WechatGateway;
  const asClock: Clock = clock;
  const minter = new TokenMinter(credentials, gateway, asClock);
  const lease = new TokenLease(tokens, asClock, options.holder ?? 'holder-1', config);
  const keeper = new TokenKeeper(tokens, credentials, minter, lease, new BackoffPolicy(asClock, config), events as unknown as RefresherEvents, noMetrics, asClock, config);
  const schedule = new RefreshSchedule(lease, asClock, config);
  return { clock, asClock, box, credentials, tokens, merchants, wechat, gateway, events, asEvents: events as unknown as RefresherEvents, config, minter, lease, keeper, schedule };
}

const SHARED_KEY = randomBytes(32);

export const COMPONENT = 'wxcomponent00000001';
export const AUTHORIZER = 'wxauthorizer0000001';
export const APP = 'wxapp00000000000001';

/** The seeded credentials as the keeper and repositories name them. */
export const REF = {
  component: { kind: 'component', appid: COMPONENT },
  authorizer: { kind: 'authorizer', componentAppid: COMPONENT, appid: AUTHORIZER },
  app: { kind: 'app', appid: APP },
} as const satisfies Record<string, CredentialRef>;

/** A component with a ticket, an authorizer of it and an app. */
export async function seedCredentials(kit: ReturnType<typeof refresherKit>): Promise<void> {
  const now = kit.clock.now();
  await kit.credentials.putComponent({ appid: COMPONENT, secret: 'component-secret', verifyToken: 'verify', aesKey: 'k'.repeat(43) }, now);
  await kit.credentials.storeTicketIfNewer(COMPONENT, 'ticket-1', now - 1000, now);
  await kit.credentials.saveAuthorizer({ appid: AUTHORIZER, componentAppid: COMPONENT, refreshToken: 'refresh-1', status: 'authorized', funcScopes: [1], changedAt: now - 1000 }, now);
  await kit.credentials.putApp({ appid: APP, secret: 'app-secret' }, now);
}
