import { randomBytes } from 'node:crypto';

/** WeChat's wording, so clients matching on errmsg see what production sends. */
const ERRMSG: Readonly<Record<number, string>> = {
  [-1]: 'system error',
  0: 'ok',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40097: 'invalid args',
  40125: 'invalid appsecret',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'appsecret missing',
  41005: 'media data missing',
  42001: 'access_token expired',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit  mustslower  retry next minute',
  47001: 'data format error',
  48001: 'api unauthorized',
  61003: 'component is not authorized by this account',
  61005: 'component ticket is expired',
  61006: 'component ticket is invalid',
  61007: 'api is unauthorized to component',
  61009: 'code is invalid',
  61010: 'code is expired',
  61023: 'refresh_token is invalid',
};

export interface WechatError {
  errcode: number;
  errmsg: string;
}

/** WeChat appends a request id to every error message. */
export function wechatError(errcode: number, hint?: string): WechatError {
  const text = ERRMSG[errcode] ?? 'sandbox error';
  const rid = randomBytes(6).toString('hex');
  return { errcode, errmsg: `${text}${hint ? ` hint: [${hint}]` : ''} rid: ${rid}` };
}

/** The failure of a handler that answers with a WeChat error body (always HTTP 200, like WeChat). */
export class WechatFailure extends Error {
  constructor(
    readonly errcode: number,
    readonly hint?: string,
  ) {
    super(`errcode ${errcode}`);
  }
}

export function fail(errcode: number, hint?: string): never {
  throw new WechatFailure(errcode, hint);
}
