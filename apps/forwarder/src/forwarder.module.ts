import { Module, type DynamicModule } from '@nestjs/common';
import { NatsModule } from '@wxgate/nats';
import { Clock, PlatformModule } from '@wxgate/platform';
import { AccessLog } from './access-log/access-log.js';
import { APP, type ForwarderConfig } from './config.js';
import { CallerList } from './control-plane/caller-list.js';
import { ControlPlaneClient } from './control-plane/control-plane.client.js';
import { ControlPlane } from './control-plane/control-plane.js';
import { PayControl } from './control-plane/pay-control.js';
import { PolicyDecisions } from './control-plane/policy-decisions.js';
import { RelayTokens } from './control-plane/relay-tokens.js';
import { RelayServers } from './ingress/relay-servers.js';
import { SourceGate } from './ingress/source-gate.js';
import { CallerMetrics } from './metrics/caller.metrics.js';
import { RelayStatsResponder } from './metrics/relay-stats.responder.js';
import { RelayMetrics } from './metrics/relay.metrics.js';
import { CallerGate } from './relay/caller-gate.js';
import { PayRelay } from './relay/pay-relay.js';
import { Relay } from './relay/relay.js';
import { TokenEndpoints } from './relay/token-endpoints.js';
import { PayUpstreamClient } from './upstream/pay-upstream.client.js';
import { UpstreamClient } from './upstream/upstream.client.js';

/**
 * The token-free relay (docs/http-behaviour.md, its structure in docs/architecture.md). Nest wires
 * it and serves the admin port; the relay itself runs on plain Node http/https servers started at
 * bootstrap (RelayServers). Dependencies go one way: ingress → relay → upstream, and relay → the
 * control plane through `ControlPlane` only.
 */
@Module({})
export class ForwarderModule {
  static forRoot(config: ForwarderConfig): DynamicModule {
    return {
      module: ForwarderModule,
      imports: [PlatformModule.forRoot(APP, config), NatsModule.forRoot(config, APP)],
      providers: [
        Clock,
        RelayMetrics,
        CallerMetrics,
        AccessLog,
        // control plane
        ControlPlaneClient,
        PolicyDecisions,
        RelayTokens,
        CallerList,
        PayControl,
        ControlPlane,
        // upstream
        UpstreamClient,
        PayUpstreamClient,
        // relay
        CallerGate,
        TokenEndpoints,
        PayRelay,
        Relay,
        // ingress
        SourceGate,
        RelayServers,
        RelayStatsResponder,
      ],
    };
  }
}
