import 'reflect-metadata';
import { QUEUE_GROUPS } from '@wxgate/contracts';
import { natsMicroservice } from '@wxgate/nats';
import { loadConfig, runService } from '@wxgate/platform';
import { APP, PolicyConfigSchema } from './config.js';
import { PolicyModule } from './policy.module.js';

const config = loadConfig(APP, PolicyConfigSchema);
await runService({
  app: APP,
  module: PolicyModule.forRoot(config),
  adminPort: config.ADMIN_PORT,
  logLevel: config.LOG_LEVEL,
  microservice: natsMicroservice(config, APP, QUEUE_GROUPS.policy),
});
