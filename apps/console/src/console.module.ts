import { Inject, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import cookieParser from 'cookie-parser';
import { NatsModule } from '@wxgate/nats';
import { PlatformModule } from '@wxgate/platform';
import { AdminClient } from './admin/admin-client.js';
import { ExplainDecision } from './admin/explain-decision.usecase.js';
import { ReadEnvironment } from './admin/read-environment.usecase.js';
import { ReadOverview } from './admin/read-overview.usecase.js';
import { APP, type ConsoleConfig } from './config.js';
import { limitSignIn, loadSession, requireCsrf, requireSession, securityHeaders, splitPorts } from './security/console-middleware.js';
import { SessionStore } from './security/session-store.js';
import { TrafficSampler } from './traffic/traffic-sampler.js';
import { Audit } from './web/audit.js';
import { AuthController } from './web/auth.controller.js';
import { CheckPageController } from './web/check-page.controller.js';
import { ConsoleServer } from './web/console-server.js';
import { CredentialPagesController } from './web/credential-pages.controller.js';
import { EnvironmentPagesController } from './web/environment-pages.controller.js';
import { OverviewController } from './web/overview.controller.js';
import { StaticController } from './web/static.controller.js';
import { Views } from './web/views.js';

/**
 * The operator console (docs/console.md): server-rendered pages over the admin subjects, on
 * CONSOLE_PORT; the admin port serves health and metrics as in every service.
 */
@Module({})
export class ConsoleModule implements NestModule {
  constructor(
    @Inject(SessionStore) private readonly sessions: SessionStore,
    @Inject(Views) private readonly views: Views,
  ) {}

  static forRoot(config: ConsoleConfig): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [PlatformModule.forRoot(APP, config), NatsModule.forRoot(config, APP)],
      controllers: [AuthController, OverviewController, EnvironmentPagesController, CredentialPagesController, CheckPageController, StaticController],
      providers: [AdminClient, ReadOverview, ReadEnvironment, ExplainDecision, TrafficSampler, SessionStore, Views, Audit, ConsoleServer],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    const everything = { path: '{*path}', method: RequestMethod.ALL };
    consumer
      .apply(splitPorts, securityHeaders, cookieParser(), loadSession(this.sessions), requireSession, requireCsrf(this.views))
      .forRoutes(everything);
    consumer.apply(limitSignIn(this.views)).forRoutes({ path: 'login', method: RequestMethod.POST });
  }
}
