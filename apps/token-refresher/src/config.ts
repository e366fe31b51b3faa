import { z } from 'zod';
import { natsConfigShape } from '@wxgate/nats';
import { baseConfigShape, httpBaseUrl, port, positiveInt } from '@wxgate/platform';
import { databaseUrl } from '@wxgate/persistence';

export const APP = 'token-refresher';

export const RefresherConfigSchema = z.object({
  ...baseConfigShape,
  ...natsConfigShape,
  DATABASE_URL: databaseUrl(APP),
  WXGATE_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(v), 'must be base64 of 32 bytes')
    .optional(),
  /** Where the master key is kept when WXGATE_MASTER_KEY is unset (SPEC §2: ./data/master.key). */
  WXGATE_MASTER_KEY_FILE: z.string().default('./data/master.key'),
  WECHAT_API_BASE: httpBaseUrl('https://api.weixin.qq.com'),
  WECHAT_API_BACKUP: httpBaseUrl('https://api2.weixin.qq.com', true),
  WECHATPAY_API_BASE: httpBaseUrl('https://api.mch.weixin.qq.com'),
  WECHATPAY_API_BACKUP: httpBaseUrl('https://api2.mch.weixin.qq.com', true),
  CALLBACK_PORT: port(8081),
  ADMIN_PORT: port(9092),
  REFRESH_MARGIN_S: positiveInt(600),
  UPSTREAM_TIMEOUT_MS: positiveInt(30_000),
  /** Global cap on proactive refreshes per second, so thousands of authorizers never burst. */
  REFRESH_MAX_PER_S: positiveInt(20),
  /**
   * A credential's refresh lease, renewed every third of it while the refresh runs: a crashed
   * holder delays that refresh by at most this. Keep it under ~8 s so a waiting relay request
   * (10 s) gets the token from the replica that takes over.
   */
  REFRESH_LEASE_TTL_MS: positiveInt(6_000),
  /** Ceiling of the exponential backoff after failed refreshes of one credential. */
  REFRESH_BACKOFF_MAX_S: positiveInt(300),
  /** How often every replica re-reads all token expiries (it also hears token.refreshed at once). */
  REFRESH_SCAN_INTERVAL_S: positiveInt(60),
  /** Minimum spacing of invalidation-triggered refreshes per credential (apps: at least 30 s, WeChat's force_refresh limit). */
  INVALIDATE_MIN_INTERVAL_S: positiveInt(10),
});
export type RefresherConfig = z.infer<typeof RefresherConfigSchema>;
export const KEEP_EMPTY = ['WECHAT_API_BACKUP', 'WECHATPAY_API_BACKUP'];
