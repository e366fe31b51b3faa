import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Readiness } from '@wxgate/platform';
import { openDataSource, type DataSourceSpec } from './data-source.js';

@Injectable()
class DatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly readiness: Readiness,
  ) {}
  onModuleInit() {
    // The provider resolves only after migrations ran, so "initialized" means open and migrated.
    this.readiness.register('database', () => this.dataSource.isInitialized);
  }
  async onApplicationShutdown() {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Provides the app's TypeORM `DataSource`, opened and migrated before the app starts. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(spec: DataSourceSpec): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: DataSource, useFactory: () => openDataSource(spec) }, DatabaseLifecycle],
      exports: [DataSource],
    };
  }
}
