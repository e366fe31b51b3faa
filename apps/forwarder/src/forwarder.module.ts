import { Module, type DynamicModule } from '@nestjs/common';
import { NatsModule } from '@wxgate/nats';
import { PlatformModule } from '@wxgate/platform';
import { APP, type ForwarderConfig } from './config.js';

@Module({})
export class ForwarderModule {
  static forRoot(config: ForwarderConfig): DynamicModule {
    return {
      module: ForwarderModule,
      imports: [PlatformModule.forRoot(APP, config), NatsModule.forRoot(config, APP)],
    };
  }
}
