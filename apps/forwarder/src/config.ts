import { z } from 'zod';
import { natsConfigShape } from '@wxgate/nats';
import { baseConfigShape, cidrList, httpBaseUrl, port, positiveInt } from '@wxgate/platform';
import { ENV_ID_PATTERN } from '@wxgate/contracts';

export const APP = 'forwarder';

/** Loopback and the private ranges: the relay is for callers on its own host or internal network. */
export const DEFAULT_RELAY_ALLOW_CIDRS = '127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7';

export const ForwarderConfigSchema = z.object({
  ...baseConfigShape,
  ...natsConfigShape,
  WECHAT_API_BASE: httpBaseUrl('https://api.weixin.qq.com'),
  WECHAT_API_BACKUP: httpBaseUrl('https://api2.weixin.qq.com', true),
  WECHATPAY_API_BASE: httpBaseUrl('https://api.mch.weixin.qq.com'),
  WECHATPAY_API_BACKUP: httpBaseUrl('https://api2.mch.weixin.qq.com', true),
  ENV_ID: z.string().regex(ENV_ID_PATTERN, 'must be an environment id (letters, digits, - and _)').default('default'),
  PORT: port(8080),
  TLS_PORT: port(8443),
  ADMIN_PORT: port(9090),
  CERT_DIR: z.string().default('./data/cert'),
  MAX_BODY_BYTES: positiveInt(33_554_432, 'a positive number of bytes'),
  UPSTREAM_TIMEOUT_MS: positiveInt(30_000, 'a positive number of milliseconds'),
  /** Source addresses that may connect to PORT and TLS_PORT (docs/callers.md). */
  RELAY_ALLOW_CIDRS: cidrList(DEFAULT_RELAY_ALLOW_CIDRS),
  // Against slow or stuck callers (docs/hardening.md).
  RELAY_HEADERS_TIMEOUT_MS: positiveInt(20_000, 'a positive number of milliseconds'),
  RELAY_IDLE_TIMEOUT_MS: positiveInt(60_000, 'a positive number of milliseconds'),
  RELAY_KEEP_ALIVE_TIMEOUT_MS: positiveInt(65_000, 'a positive number of milliseconds'),
  RELAY_TLS_HANDSHAKE_TIMEOUT_MS: positiveInt(10_000, 'a positive number of milliseconds'),
  RELAY_MAX_HEADER_BYTES: positiveInt(16_384, 'a positive number of bytes'),
  RELAY_MAX_HEADERS: positiveInt(100, 'a positive number of header lines'),
});
export type ForwarderConfig = z.infer<typeof ForwarderConfigSchema>;
export const KEEP_EMPTY = ['WECHAT_API_BACKUP', 'WECHATPAY_API_BACKUP'];
