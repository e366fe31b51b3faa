/** WeChat errcodes wxgate acts on (docs/wechat-protocol.md "Error codes"). */
export const WechatErrcode = {
  SYSTEM_BUSY: -1,
  OK: 0,
  INVALID_CREDENTIAL: 40001,
  INVALID_APPID: 40013,
  INVALID_ACCESS_TOKEN: 40014,
  INVALID_APPSECRET: 40125,
  ACCESS_TOKEN_MISSING: 41001,
  APPSECRET_MISSING: 41004,
  ACCESS_TOKEN_EXPIRED: 42001,
  DAILY_QUOTA_REACHED: 45009,
  MINUTE_LIMIT_REACHED: 45011,
  INVALID_BODY: 47001,
  API_UNAUTHORIZED: 48001,
  NOT_AUTHORIZED_TO_COMPONENT: 61003,
  IP_NOT_WHITELISTED: 61004,
  COMPONENT_TICKET_EXPIRED: 61005,
  COMPONENT_TICKET_INVALID: 61006,
  PERMISSION_NOT_GRANTED: 61007,
  AUTHORIZATION_CODE_EXPIRED: 61010,
  REFRESH_TOKEN_INVALID: 61023,
  RELAY_PATH_NOT_ALLOWED: 85107,
  RELAY_LINK_ERROR: 85112,
  RELAY_TOKEN_NOT_READY: 85113,
} as const;
export type WechatErrcode = (typeof WechatErrcode)[keyof typeof WechatErrcode];

/** WeChat's answers meaning "this token is no longer good": invalidate it and retry once. */
export const TOKEN_REJECTION_ERRCODES: readonly number[] = [
  WechatErrcode.INVALID_CREDENTIAL,
  WechatErrcode.INVALID_ACCESS_TOKEN,
  WechatErrcode.ACCESS_TOKEN_EXPIRED,
];

export function isTokenRejection(errcode: number | undefined | null): boolean {
  return typeof errcode === 'number' && TOKEN_REJECTION_ERRCODES.includes(errcode);
}

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  [WechatErrcode.SYSTEM_BUSY]: 'system busy, retry later',
  [WechatErrcode.OK]: 'ok',
  [WechatErrcode.INVALID_CREDENTIAL]: 'credential invalid or not the latest',
  [WechatErrcode.INVALID_APPID]: 'invalid appid',
  [WechatErrcode.INVALID_ACCESS_TOKEN]: 'malformed access_token',
  [WechatErrcode.INVALID_APPSECRET]: 'invalid appsecret',
  [WechatErrcode.ACCESS_TOKEN_MISSING]: 'access_token missing',
  [WechatErrcode.APPSECRET_MISSING]: 'appsecret missing',
  [WechatErrcode.ACCESS_TOKEN_EXPIRED]: 'access_token expired',
  [WechatErrcode.DAILY_QUOTA_REACHED]: 'daily quota reached',
  [WechatErrcode.MINUTE_LIMIT_REACHED]: 'per-minute limit reached',
  [WechatErrcode.INVALID_BODY]: 'malformed body',
  [WechatErrcode.API_UNAUTHORIZED]: 'API not authorized for this account',
  [WechatErrcode.NOT_AUTHORIZED_TO_COMPONENT]: 'account has not authorized this component',
  [WechatErrcode.IP_NOT_WHITELISTED]: "caller IP not in the component's whitelist",
  [WechatErrcode.COMPONENT_TICKET_EXPIRED]: 'component_verify_ticket expired',
  [WechatErrcode.COMPONENT_TICKET_INVALID]: 'component_verify_ticket invalid',
  [WechatErrcode.PERMISSION_NOT_GRANTED]: 'authorizer has not granted the permission set this API needs',
  [WechatErrcode.AUTHORIZATION_CODE_EXPIRED]: 'authorization code expired',
  [WechatErrcode.REFRESH_TOKEN_INVALID]: 'refresh token invalid',
  [WechatErrcode.RELAY_PATH_NOT_ALLOWED]: 'path not on the token allowlist',
  [WechatErrcode.RELAY_LINK_ERROR]: 'relay link error',
  [WechatErrcode.RELAY_TOKEN_NOT_READY]: 'token not ready',
};

export function describeErrcode(errcode: number): string {
  return DESCRIPTIONS[errcode] ?? `WeChat errcode ${errcode}`;
}
