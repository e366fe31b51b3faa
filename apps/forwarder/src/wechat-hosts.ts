import { isWechatPayHost } from '@wxgate/wechatpay';

/** docs/http-behaviour.md: the WeChat API hosts a caller may name (absolute-form, CONNECT, by name). */
export const WECHAT_API_HOSTS: readonly string[] = [
  'api.weixin.qq.com',
  'api2.weixin.qq.com',
  'sh.api.weixin.qq.com',
  'sz.api.weixin.qq.com',
  'hk.api.weixin.qq.com',
];

const HOSTS: ReadonlySet<string> = new Set(WECHAT_API_HOSTS);

export function isWechatApiHost(host: string): boolean {
  return HOSTS.has(host.toLowerCase());
}

/** A host the relay answers for: WeChat's API hosts and WeChat Pay's (see docs/wechat-pay.md). */
export function isRelayHost(host: string): boolean {
  return isWechatApiHost(host) || isWechatPayHost(host);
}

/**
 * `host[:port]` as a request target, CONNECT or `Host` names it, split at its last colon (an IPv6
 * literal in brackets keeps its own); `port` is '' when there is none.
 */
export function splitHostPort(authority: string): { host: string; port: string } {
  const colon = authority.lastIndexOf(':');
  if (colon === -1 || authority.indexOf(']', colon) !== -1) return { host: authority, port: '' };
  return { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}
