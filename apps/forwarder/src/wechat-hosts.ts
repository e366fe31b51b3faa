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
