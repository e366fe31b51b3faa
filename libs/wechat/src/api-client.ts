/**
 * The token endpoints of docs/wechat-protocol.md over one keep-alive undici Agent, for the token-refresher.
 *
 * Secrets travel in bodies and tokens in query strings, so no error built here ever quotes a URL,
 * a body or a cause's message: errors name the endpoint path and a cause code, and WeChat's own
 * `errmsg` is scrubbed of every secret of the call before it is put into a message.
 */
import { Agent, buildConnector } from 'undici';
// The platform's file, not its index (which loads NestJS): this lib stays plain.
import { BodyTooLarge, ClientGone, readCapped } from '../../platform/src/capped-body.js';
import { describeErrcode } from './errcodes.js';

/** WeChat answered, with a non-zero errcode. */
export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly endpoint: string,
  ) {
    super(`WeChat ${endpoint} answered errcode ${errcode} (${describeErrcode(errcode)}): ${errmsg}`);
    this.name = 'WechatApiError';
  }
}

/**
 * WeChat did not answer usably: no connection (on both hosts), a timeout, or a body that is not
 * WeChat's JSON. `causeCode` is a code (`ECONNREFUSED`, `TIMEOUT`, `HTTP_502`, `BAD_RESPONSE`…).
 */
export class WechatUnreachableError extends Error {
  constructor(
    readonly endpoint: string,
    readonly causeCode: string,
  ) {
    super(`WeChat ${endpoint} unreachable: ${causeCode}`);
    this.name = 'WechatUnreachableError';
  }
  get timedOut(): boolean {
    return this.causeCode === 'TIMEOUT';
  }
}

export interface WechatApiClientOptions {
  /** e.g. `https://api.weixin.qq.com`; a path prefix is kept. */
  baseUrl: string;
  /** Tried once when the base host cannot be connected to; `''` or undefined disables it. */
  backupUrl?: string;
  /** Per attempt: connecting, waiting for the answer, reading it. Default 10 s. */
  timeoutMs?: number;
  /** Below `timeoutMs`, so a host that never accepts fails over instead of timing out. Default min(5 s, timeoutMs / 2). */
  connectTimeoutMs?: number;
}

export interface FuncInfo {
  funcscope_category: { id: number };
  [key: string]: unknown;
}

export interface AuthorizationInfo {
  authorizer_appid: string;
  authorizer_access_token: string;
  expires_in: number;
  authorizer_refresh_token: string;
  func_info?: FuncInfo[];
  [key: string]: unknown;
}

export interface ComponentTokenResponse {
  component_access_token: string;
  expires_in: number;
}
export interface PreAuthCodeResponse {
  pre_auth_code: string;
  expires_in: number;
}
export interface QueryAuthResponse {
  authorization_info: AuthorizationInfo;
}
export interface AuthorizerTokenResponse {
  authorizer_access_token: string;
  expires_in: number;
  /** ⚠ WeChat may or may not rotate it: store it whenever present. */
  authorizer_refresh_token?: string;
}
export interface AuthorizerInfoResponse {
  authorizer_info: Record<string, unknown>;
  authorization_info: {
    authorizer_appid: string;
    authorizer_refresh_token?: string;
    func_info?: FuncInfo[];
    [key: string]: unknown;
  };
}
export interface AuthorizerListItem {
  authorizer_appid: string;
  refresh_token: string;
  auth_time: number;
}
export interface AuthorizerListResponse {
  total_count: number;
  list: AuthorizerListItem[];
}
export interface StableTokenResponse {
  access_token: string;
  expires_in: number;
}
export interface WechatOkResponse {
  errcode: number;
  errmsg: string;
}

/** The permission-set ids an authorization granted (docs/nats-interface.md `funcScopes`). */
export function funcScopesOf(authorizationInfo: { func_info?: FuncInfo[] } | undefined): number[] {
  const ids = (authorizationInfo?.func_info ?? [])
    .map((f) => f?.funcscope_category?.id)
    .filter((id): id is number => typeof id === 'number' && Number.isFinite(id));
  return [...new Set(ids)];
}

const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** Failures that happen before a request byte can have left: safe to repeat on the backup host. */
const CONNECT_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUT_ERROR_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

interface Target {
  origin: string;
  prefix: string;
}

function targetOf(url: string, name: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`${name} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`${name} must be http or https`);
  return { origin: parsed.origin, prefix: parsed.pathname.replace(/\/+$/, '') };
}

function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, name } = e as { code?: unknown; name?: unknown };
  if (typeof code === 'string') return code;
  return typeof name === 'string' ? name : undefined;
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

class ConnectFailure extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

export class WechatApiClient {
  readonly #targets: Target[];
  readonly #timeoutMs: number;
  readonly #agent: Agent;
  /** Errors raised by the connector, i.e. before a TLS session existed to carry a request. */
  readonly #connectErrors = new WeakSet<object>();

  constructor(opts: WechatApiClientOptions) {
    this.#targets = [targetOf(opts.baseUrl, 'baseUrl')];
    if (opts.backupUrl) this.#targets.push(targetOf(opts.backupUrl, 'backupUrl'));
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    const connectTimeout = opts.connectTimeoutMs ?? Math.max(1, Math.min(5_000, Math.floor(this.#timeoutMs / 2)));
    const connect = buildConnector({ timeout: connectTimeout, keepAlive: true });
    this.#agent = new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
      connect: (options, callback) => {
        connect(options, (...args) => {
          const [err] = args;
          if (err && typeof err === 'object') this.#connectErrors.add(err);
          callback(...args);
        });
      },
    });
  }

  componentToken(p: { componentAppid: string; componentAppsecret: string; componentVerifyTicket: string }): Promise<ComponentTokenResponse> {
    return this.#post(
      '/cgi-bin/component/api_component_token',
      undefined,
      { component_appid: p.componentAppid, component_appsecret: p.componentAppsecret, component_verify_ticket: p.componentVerifyTicket },
      [p.componentAppsecret, p.componentVerifyTicket],
      ['component_access_token', 'expires_in'],
    );
  }

  createPreAuthCode(componentAccessToken: string, componentAppid: string): Promise<PreAuthCodeResponse> {
    return this.#post(
      '/cgi-bin/component/api_create_preauthcode',
      { component_access_token: componentAccessToken },
      { component_appid: componentAppid },
      [componentAccessToken],
      ['pre_auth_code'],
    );
  }

  async queryAuth(componentAccessToken: string, componentAppid: string, authorizationCode: string): Promise<QueryAuthResponse> {
    const endpoint = '/cgi-bin/component/api_query_auth';
    const res = await this.#post<QueryAuthResponse>(
      endpoint,
      { component_access_token: componentAccessToken },
      { component_appid: componentAppid, authorization_code: authorizationCode },
      [componentAccessToken, authorizationCode],
      ['authorization_info'],
    );
    const info = res.authorization_info as Partial<AuthorizationInfo> | null;
    if (typeof info?.authorizer_appid !== 'string' || typeof info.authorizer_access_token !== 'string') {
      throw new WechatUnreachableError(endpoint, 'BAD_RESPONSE');
    }
    return res;
  }

  authorizerToken(
    componentAccessToken: string,
    p: { componentAppid: string; authorizerAppid: string; authorizerRefreshToken: string },
  ): Promise<AuthorizerTokenResponse> {
    return this.#post(
      '/cgi-bin/component/api_authorizer_token',
      { component_access_token: componentAccessToken },
      { component_appid: p.componentAppid, authorizer_appid: p.authorizerAppid, authorizer_refresh_token: p.authorizerRefreshToken },
      [componentAccessToken, p.authorizerRefreshToken],
      ['authorizer_access_token', 'expires_in'],
    );
  }

  getAuthorizerInfo(componentAccessToken: string, componentAppid: string, authorizerAppid: string): Promise<AuthorizerInfoResponse> {
    return this.#post(
      '/cgi-bin/component/api_get_authorizer_info',
      { component_access_token: componentAccessToken },
      { component_appid: componentAppid, authorizer_appid: authorizerAppid },
      [componentAccessToken],
      ['authorization_info'],
    );
  }

  async getAuthorizerList(componentAccessToken: string, componentAppid: string, offset: number, count: number): Promise<AuthorizerListResponse> {
    const res = await this.#post<AuthorizerListResponse>(
      '/cgi-bin/component/api_get_authorizer_list',
      { component_access_token: componentAccessToken },
      { component_appid: componentAppid, offset, count: Math.min(count, 500) },
      [componentAccessToken],
      ['total_count'],
    );
    return { ...res, list: Array.isArray(res.list) ? res.list : [] };
  }

  startPushTicket(componentAppid: string, componentSecret: string): Promise<WechatOkResponse> {
    return this.#post(
      '/cgi-bin/component/api_start_push_ticket',
      undefined,
      { component_appid: componentAppid, component_secret: componentSecret },
      [componentSecret],
      [],
    );
  }

  stableToken(p: { appid: string; secret: string; forceRefresh: boolean }): Promise<StableTokenResponse> {
    return this.#post(
      '/cgi-bin/stable_token',
      undefined,
      { grant_type: 'client_credential', appid: p.appid, secret: p.secret, force_refresh: p.forceRefresh },
      [p.secret],
      ['access_token', 'expires_in'],
    );
  }

  close(): Promise<void> {
    return this.#agent.close();
  }

  async #post<T>(
    endpoint: string,
    query: Record<string, string> | undefined,
    body: Record<string, unknown>,
    secrets: readonly string[],
    required: readonly string[],
  ): Promise<T> {
    const search = query ? `?${new URLSearchParams(query).toString()}` : '';
    const payload = JSON.stringify(body);
    let lastCode = 'UNREACHABLE';
    for (const target of this.#targets) {
      let answer: { status: number; text: string };
      try {
        answer = await this.#send(target, `${target.prefix}${endpoint}${search}`, payload);
      } catch (e) {
        if (e instanceof ConnectFailure) {
          lastCode = e.code;
          continue;
        }
        throw new WechatUnreachableError(endpoint, e instanceof Error && e.message === 'TOO_LARGE' ? 'RESPONSE_TOO_LARGE' : this.#causeCode(e));
      }
      return this.#interpret<T>(endpoint, answer, secrets, required);
    }
    throw new WechatUnreachableError(endpoint, lastCode);
  }

  async #send(target: Target, path: string, payload: string): Promise<{ status: number; text: string }> {
    let res;
    try {
      res = await this.#agent.request({
        origin: target.origin,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (e) {
      const code = errorCode(e) ?? 'UNKNOWN';
      if ((typeof e === 'object' && e !== null && this.#connectErrors.has(e)) || CONNECT_ERROR_CODES.has(code)) {
        throw new ConnectFailure(code === 'UND_ERR_CONNECT_TIMEOUT' ? 'CONNECT_TIMEOUT' : code);
      }
      throw e;
    }
    try {
      return { status: res.statusCode, text: (await readCapped(res.body, MAX_RESPONSE_BYTES)).toString('utf8') };
    } catch (e) {
      // Drop what is left; destroying an undici body reports an abort nobody needs to hear.
      res.body.on('error', () => undefined).destroy();
      if (e instanceof BodyTooLarge) throw new Error('TOO_LARGE');
      // A body cut short (the timeout's abort, a reset) is classified by its own error.
      throw e instanceof ClientGone && e.cause !== undefined ? e.cause : e;
    }
  }

  #causeCode(e: unknown): string {
    const code = errorCode(e);
    if (code === undefined) return 'UNKNOWN';
    if (TIMEOUT_ERROR_CODES.has(code) || code === 'TimeoutError') return 'TIMEOUT';
    return code;
  }

  #interpret<T>(endpoint: string, answer: { status: number; text: string }, secrets: readonly string[], required: readonly string[]): T {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      throw new WechatUnreachableError(endpoint, answer.status >= 200 && answer.status < 300 ? 'BAD_RESPONSE' : `HTTP_${answer.status}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new WechatUnreachableError(endpoint, 'BAD_RESPONSE');
    }
    const obj = parsed as Record<string, unknown>;
    const errcode = typeof obj.errcode === 'number' ? obj.errcode : Number(obj.errcode ?? 0);
    if (errcode !== 0 && Number.isFinite(errcode)) {
      throw new WechatApiError(errcode, scrub(typeof obj.errmsg === 'string' ? obj.errmsg : '', secrets), endpoint);
    }
    if (answer.status < 200 || answer.status >= 300) throw new WechatUnreachableError(endpoint, `HTTP_${answer.status}`);
    if (required.some((field) => obj[field] === undefined || obj[field] === null)) {
      throw new WechatUnreachableError(endpoint, 'BAD_RESPONSE');
    }
    return obj as T;
  }
}
