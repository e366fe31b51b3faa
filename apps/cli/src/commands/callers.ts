import type { Command } from 'commander';
import { Subjects, type CallerAddReply, type CallerListReply } from '@wxgate/contracts';
import type { CliContext } from '../context.js';
import { table } from '../format.js';

/** Caller credentials of an environment's relay (docs/callers.md). */
export function registerCallerCommands(program: Command, cli: CliContext): void {
  const caller = program.command('caller').description("who may call an environment's relay: caller names and their secrets");
  caller
    .command('add <envId> <name>')
    .description('issue a caller credential; the secret is printed this once and cannot be shown again')
    .action(async (envId: string, name: string) => {
      const reply = await cli.session().request<CallerAddReply>(Subjects.admin.callerAdd, { envId, name });
      // Plain lines, not a table: the secret is meant to be copied.
      cli.print(
        [
          `ok: caller ${reply.name} added to ${envId}; its secret, shown this once (only its hash is kept):`,
          reply.secret,
          'send it as one of:',
          `  x-wxgate-caller: ${reply.name}:${reply.secret}`,
          `  HTTP_PROXY / HTTPS_PROXY=http://${reply.name}:${reply.secret}@<forwarder>:8080`,
        ].join('\n'),
        reply,
      );
    });
  caller
    .command('rm <envId> <name>')
    .description('revoke a caller: every forwarder refuses it within a second')
    .action(async (envId: string, name: string) => {
      await cli.send(Subjects.admin.callerRemove, { envId, name }, `caller ${name} removed from ${envId}`);
    });
  caller
    .command('ls <envId>')
    .alias('list')
    .description("an environment's callers (names only, never secrets); none = no credential required")
    .action(async (envId: string) => {
      const reply = await cli.session().request<CallerListReply>(Subjects.admin.callerList, { envId });
      const human = reply.callers.length ? table(['caller', 'added'], reply.callers.map((c) => [c.name, new Date(c.addedAt).toISOString()])) : '(none: any allowed source address may call)';
      cli.print(human, reply);
    });
}
