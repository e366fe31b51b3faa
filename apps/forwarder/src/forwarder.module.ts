import { Module, type DynamicModule } from '@nestjs/common';
import { NatsModule } from '@wxgate/nats';
import { PlatformModule } from '@wxgate/platform';
import { AccessLog } from './access-log/access-log.js';
import { CallerGate } from './callers/caller-gate.js';
import { CallerList } from './callers/caller-list.js';
import { CallerMetrics } from './callers/caller.metrics.js';
import { SourceGate } from './callers/source-gate.js';
import { APP, type ForwarderConfig } from './config.js';
import { CLOCK } from './control-plane/clock.js';
import { ControlPlane } from './control-plane/control-plane.js';
import { PolicyDecisions } from './decisions/policy-decisions.js';
import { RelayServers } from './ingress/relay-servers.js';
import { RelayStatsResponder } from './metrics/relay-stats.responder.js';
import { RelayMetrics } from './metrics/relay.metrics.js';
import { PayControl } from './pay/pay-control.js';
import { PayRelay } from './pay/pay-relay.js';
import { PayUpstreamClient } from './pay/pay-upstream.client.js';
import { RelayPipeline } from './relay/relay.pipeline.js';
import { TokenEndpoints } from './token-endpoints/token-endpoints.js';
import { TokenCache } from './tokens/token-cache.js';
import { UpstreamClient } from './upstream/upstream.client.js';

/**
 * The token-free relay (SPEC §5). Nest wires it and serves the admin port; the relay itself runs
 * on plain Node http/https servers started at bootstrap (RelayServers).
 */
@Module({})
export class ForwarderModule {
  static forRoot(config: ForwarderConfig): DynamicModule {
    return {
      module: ForwarderModule,
      imports: [PlatformModule.forRoot(APP, config), NatsModule.forRoot(config, APP)],
      providers: [
        { provide: CLOCK, useValue: Date.now },
        RelayMetrics,
        AccessLog,
        CallerMetrics,
        SourceGate,
        ControlPlane,
        PolicyDecisions,
        CallerList,
        CallerGate,
        TokenCache,
        TokenEndpoints,
        UpstreamClient,
        PayUpstreamClient,
        PayControl,
        PayRelay,
        RelayPipeline,
        RelayServers,
        RelayStatsResponder,
      ],
    };
  }
}
