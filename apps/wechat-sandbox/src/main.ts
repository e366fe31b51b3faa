import { loadConfig } from '@wxgate/platform';
import { SANDBOX_FLAGS, sandboxConfigSchema } from './config/sandbox.config.js';
import { createSandbox } from './sandbox.js';

async function main(): Promise<void> {
  // A bad variable or flag stops the process with one line naming it (exit 78), like every app.
  const config = loadConfig('wechat-sandbox', sandboxConfigSchema, process.env, { argv: process.argv.slice(2), flags: SANDBOX_FLAGS });
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
