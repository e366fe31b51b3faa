import { Module, type DynamicModule } from '@nestjs/common';
import { NatsModule } from '@wxgate/nats';
import { DatabaseModule } from '@wxgate/persistence';
import { PlatformModule } from '@wxgate/platform';
import { AdaptersModule } from './adapters/adapters.module.js';
import { AuthorizationsModule } from './authorizations/authorizations.module.js';
import { CALLBACK_KEYS } from './callback/callback-keys.js';
import { CALLBACK_ROUTES } from './callback/callback-routes.js';
import { CallbackModule } from './callback/callback.module.js';
import { APP, type RefresherConfig } from './config.js';
import { ComponentCallbackKeys } from './credentials/component-callback-keys.js';
import { CredentialsModule } from './credentials/credentials.module.js';
import { PayNotifyRoute } from './pay/notify/pay-notify.route.js';
import { PayModule } from './pay/pay.module.js';
import { PersistenceModule } from './persistence/persistence.module.js';
import { REFRESHER_ENTITIES, REFRESHER_MIGRATIONS } from './persistence/persistence.js';
import { TicketsModule } from './tickets/tickets.module.js';
import { TokensModule } from './tokens/tokens.module.js';

@Module({})
export class TokenRefresherModule {
  static forRoot(config: RefresherConfig): DynamicModule {
    return {
      module: TokenRefresherModule,
      imports: [
        PlatformModule.forRoot(APP, config),
        NatsModule.forRoot(config, APP),
        DatabaseModule.forRoot({ app: APP, target: config.DATABASE_URL, entities: REFRESHER_ENTITIES, migrations: REFRESHER_MIGRATIONS }),
        PersistenceModule,
        AdaptersModule,
        TokensModule,
        TicketsModule,
        AuthorizationsModule,
        CredentialsModule,
        PayModule,
        CallbackModule.forRoot({
          port: config.CALLBACK_PORT,
          imports: [CredentialsModule, PayModule],
          keyStore: { provide: CALLBACK_KEYS, useExisting: ComponentCallbackKeys },
          routes: { provide: CALLBACK_ROUTES, inject: [PayNotifyRoute], useFactory: (pay: PayNotifyRoute) => [pay] },
        }),
      ],
    };
  }
}
