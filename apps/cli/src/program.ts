import { existsSync, readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCallerCommands } from './commands/callers.js';
import { registerCredentialCommands } from './commands/credentials.js';
import { registerEnvironmentCommands } from './commands/environments.js';
import { registerMerchantCommands } from './commands/merchant.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTokenCommands } from './commands/token.js';
import { CliContext } from './context.js';
import { CliExit, ExitCode } from './exit.js';

const FOOTER = `
Connection: NATS_URL, NATS_USER/NATS_PASS, NATS_TOKEN, NATS_CREDS (README "Configuration"), or the flags above.
Exit codes: 0 done, 1 refused (the reason is printed: "error: <REASON>: <message>"),
            2 NATS unreachable or no service answered, 64 bad usage.
Secrets (--secret, --token, --aes-key, --refresh-token, --api-v3-key) left out of the command line are
prompted for without echo, or read from a piped stdin, one per line.`;

function version(): string {
  // dist/apps/cli/src or apps/cli/src: the package.json is the first one above.
  for (let url = new URL('.', import.meta.url); url.pathname !== '/'; url = new URL('..', url)) {
    const file = new URL('package.json', url);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

export interface CliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/** Runs `wxgate` with `argv` (without node and script) and resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = new Command('wxgate')
    .description('Admin CLI of wxgate: components, apps, authorizers, environments, allowlists, shares, callers, tokens, status — over NATS.')
    .version(version(), '-V, --version')
    .option('--nats <url>', 'NATS server URL(s), comma-separated (default: NATS_URL or nats://127.0.0.1:4222)')
    .option('--user <user>', 'NATS user (default: NATS_USER)')
    .option('--pass <password>', 'NATS password (default: NATS_PASS; prefer the variable)')
    .option('--nats-token <token>', 'NATS auth token (default: NATS_TOKEN)')
    .option('--creds <file>', 'NATS credentials file (default: NATS_CREDS)')
    .option('--timeout <ms>', 'request timeout in milliseconds', '5000')
    .option('--json', 'print JSON on stdout for scripts (errors stay one line on stderr)')
    .addHelpText('after', FOOTER)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const cli = new CliContext(program, { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr }, io.env);
  registerCredentialCommands(program, cli);
  registerEnvironmentCommands(program, cli);
  registerCallerCommands(program, cli);
  registerMerchantCommands(program, cli);
  registerTokenCommands(program, cli);
  registerStatusCommand(program, cli);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.OK;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    if (err instanceof CliExit) {
      if (cli.json && err.json !== undefined) io.stdout.write(`${JSON.stringify(err.json, null, 2)}\n`);
      io.stderr.write(`${err.message}\n`);
      return err.code;
    }
    io.stderr.write(`wxgate: ${(err as Error).message}\n`);
    return ExitCode.REFUSED;
  } finally {
    await cli.close();
  }
}
