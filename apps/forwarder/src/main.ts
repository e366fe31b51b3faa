import './heap-tuning.js';
import 'reflect-metadata';
import { loadConfig, runService } from '@wxgate/platform';
import { APP, ForwarderConfigSchema, KEEP_EMPTY } from './config.js';
import { ForwarderModule } from './forwarder.module.js';

const config = loadConfig(APP, ForwarderConfigSchema, process.env, KEEP_EMPTY);
await runService({ app: APP, module: ForwarderModule.forRoot(config), adminPort: config.ADMIN_PORT, logLevel: config.LOG_LEVEL });
