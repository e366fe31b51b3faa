import { Module, type DynamicModule } from '@nestjs/common';
import { NatsModule } from '@wxgate/nats';
import { DatabaseModule } from '@wxgate/persistence';
import { PlatformModule } from '@wxgate/platform';
import { APP, type RefresherConfig } from './config.js';
import { CredentialsController } from './credentials/credentials.controller.js';

@Module({})
export class TokenRefresherModule {
  static forRoot(config: RefresherConfig): DynamicModule {
    return {
      module: TokenRefresherModule,
      imports: [
        PlatformModule.forRoot(APP, config),
        NatsModule.forRoot(config, APP),
        DatabaseModule.forRoot({ app: APP, target: config.DATABASE_URL, entities: [], migrations: [] }),
      ],
      controllers: [CredentialsController],
    };
  }
}
