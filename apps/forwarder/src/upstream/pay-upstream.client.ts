import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@wxgate/platform';
import type { ForwarderConfig } from '../config.js';
import { RelayMetrics } from '../metrics/relay.metrics.js';
import { UpstreamClient } from './upstream.client.js';

/** The same keep-alive pools, failover and timeouts as the WeChat relay, to WECHATPAY_API_BASE (and its backup). */
@Injectable()
export class PayUpstreamClient extends UpstreamClient {
  constructor(@Inject(APP_CONFIG) config: ForwarderConfig, metrics: RelayMetrics) {
    super({ ...config, WECHAT_API_BASE: config.WECHATPAY_API_BASE, WECHAT_API_BACKUP: config.WECHATPAY_API_BACKUP }, metrics);
  }
}
