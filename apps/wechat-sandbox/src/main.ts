import { ConfigError, loadConfig } from './config/sandbox.config.js';
import { createSandbox } from './sandbox.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`wechat-sandbox: ${e.message}\n`);
    process.exit(2);
  }
  const sandbox = await createSandbox(config);
  process.stdout.write(`wechat-sandbox listening on ${sandbox.url}\n`);

  const stop = () => {
    const force = setTimeout(() => process.exit(0), 5000);
    force.unref();
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`wechat-sandbox: ${(e as Error).message}\n`);
  process.exit(1);
});
