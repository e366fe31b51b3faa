import { Module, type DynamicModule } from '@nestjs/common';
import { NatsModule } from '@wxgate/nats';
import { DatabaseModule } from '@wxgate/persistence';
import { PlatformModule } from '@wxgate/platform';
import { APP, type PolicyConfig } from './config.js';
import { EnvironmentsController } from './environments/environments.controller.js';

@Module({})
export class PolicyModule {
  static forRoot(config: PolicyConfig): DynamicModule {
    return {
      module: PolicyModule,
      imports: [
        PlatformModule.forRoot(APP, config),
        NatsModule.forRoot(config, APP),
        DatabaseModule.forRoot({ app: APP, target: config.DATABASE_URL, entities: [], migrations: [] }),
      ],
      controllers: [EnvironmentsController],
    };
  }
}
