import { Module, type DynamicModule } from '@nestjs/common';
import { NatsModule } from '@wxgate/nats';
import { DatabaseModule } from '@wxgate/persistence';
import { PlatformModule } from '@wxgate/platform';
import { AllowlistModule } from './allowlist/allowlist.module.js';
import { AuthorizerEventsModule } from './authorizations/authorizer-events.module.js';
import { CallersModule } from './callers/callers.module.js';
import { CheckModule } from './check/check.module.js';
import { APP, type PolicyConfig } from './config.js';
import { POLICY_ENTITIES, POLICY_MIGRATIONS } from './database/policy-database.js';
import { EnvironmentsModule } from './environments/environments.module.js';
import { MerchantsModule } from './merchants/merchants.module.js';
import { SharingModule } from './sharing/sharing.module.js';

@Module({})
export class PolicyModule {
  static forRoot(config: PolicyConfig): DynamicModule {
    return {
      module: PolicyModule,
      imports: [
        PlatformModule.forRoot(APP, config),
        NatsModule.forRoot(config, APP),
        DatabaseModule.forRoot({ app: APP, target: config.DATABASE_URL, entities: POLICY_ENTITIES, migrations: POLICY_MIGRATIONS }),
        CheckModule,
        EnvironmentsModule,
        AllowlistModule,
        SharingModule,
        MerchantsModule,
        AuthorizerEventsModule,
        CallersModule,
      ],
    };
  }
}
