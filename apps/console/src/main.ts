import 'reflect-metadata';
import { loadConfig, runService } from '@wxgate/platform';
import { APP, ConsoleConfigSchema } from './config.js';
import { ConsoleModule } from './console.module.js';

const config = loadConfig(APP, ConsoleConfigSchema);
await runService({ app: APP, module: ConsoleModule.forRoot(config), adminPort: config.ADMIN_PORT, logLevel: config.LOG_LEVEL });
