import 'reflect-metadata';
import { QUEUE_GROUPS } from '@wxgate/contracts';
import { natsMicroservice } from '@wxgate/nats';
import { loadConfig, runService } from '@wxgate/platform';
import { APP, KEEP_EMPTY, RefresherConfigSchema } from './config.js';
import { TokenRefresherModule } from './token-refresher.module.js';

const config = loadConfig(APP, RefresherConfigSchema, process.env, KEEP_EMPTY);
await runService({
  app: APP,
  module: TokenRefresherModule.forRoot(config),
  adminPort: config.ADMIN_PORT,
  logLevel: config.LOG_LEVEL,
  microservice: natsMicroservice(config, APP, QUEUE_GROUPS.tokenRefresher),
});
