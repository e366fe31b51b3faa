import { Global, Module } from '@nestjs/common';
import { Clock } from '@wxgate/platform';
import { LEASE_HOLDER, leaseHolderProvider } from './lease-holder.js';
import { RefresherEvents } from './refresher-events.js';
import { RefresherMetrics } from './refresher-metrics.js';
import { WechatGateway } from './wechat-gateway.js';

/** The refresher's side effects other than the database: time, WeChat, events, metrics, and this process's lease name. */
@Global()
@Module({
  providers: [leaseHolderProvider, Clock, RefresherMetrics, WechatGateway, RefresherEvents],
  exports: [LEASE_HOLDER, Clock, RefresherMetrics, WechatGateway, RefresherEvents],
})
export class AdaptersModule {}
