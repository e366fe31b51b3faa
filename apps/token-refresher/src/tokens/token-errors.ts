import { describeCredential, Reason, WxgateError, type CredentialRef } from '@wxgate/contracts';
import { WechatApiError, WechatUnreachableError } from '@wxgate/wechat';

/** WeChat's "token not ready" errcode, answered when wxgate has no token to give (docs/errors.md). */
export const RELAY_TOKEN_NOT_READY = 85113;

export const notFound = (ref: CredentialRef) => new WxgateError(Reason.CREDENTIAL_NOT_FOUND, `no ${describeCredential(ref)}`);
export const unavailable = (message: string, errcode?: number) => new WxgateError(Reason.TOKEN_UNAVAILABLE, message, errcode);

export function throwError(err: Error): never {
  throw err;
}

/** WeChat's errcode where it answered one, else 85113; the message never holds a secret. */
export function describeFailure(err: unknown): { message: string; errcode: number } {
  if (err instanceof WechatApiError) return { message: err.message, errcode: err.errcode };
  if (err instanceof WechatUnreachableError) return { message: err.message, errcode: RELAY_TOKEN_NOT_READY };
  return { message: `unexpected ${err instanceof Error ? err.name : typeof err}`, errcode: RELAY_TOKEN_NOT_READY };
}
