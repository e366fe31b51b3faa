/** WeChat Pay API v3 hosts: the main one and the backup WeChat Pay documents for failover. */
export const WECHATPAY_API_HOSTS = ['api.mch.weixin.qq.com', 'api2.mch.weixin.qq.com'] as const;

export function isWechatPayHost(host: string): boolean {
  return (WECHATPAY_API_HOSTS as readonly string[]).includes(host.toLowerCase());
}

/** Every WeChat Pay API v3 path starts here. */
export const WECHATPAY_PATH_PREFIX = '/v3/';
