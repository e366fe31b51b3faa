import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AdminController } from './admin.controller.js';
import { Metrics } from './metrics.js';
import { Readiness } from './readiness.js';

export const APP_CONFIG = Symbol('APP_CONFIG');
export const APP_NAME = Symbol('APP_NAME');

/** Config, readiness and metrics for every service, plus the admin endpoints. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(app: string, config: object): DynamicModule {
    return {
      module: PlatformModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [AdminController],
      providers: [Readiness, Metrics, { provide: APP_CONFIG, useValue: config }, { provide: APP_NAME, useValue: app }],
      exports: [Readiness, Metrics, APP_CONFIG, APP_NAME],
    };
  }
}
