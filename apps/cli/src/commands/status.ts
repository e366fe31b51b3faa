import type { Command } from 'commander';
import { Subjects, type CredentialListItem } from '@wxgate/contracts';
// The lib's file, not its index: the index also loads NestJS, half a second on every CLI call.
import { eventsStatus, pingAll } from '../../../../libs/nats/src/admin-status.js';
import type { CliContext } from '../context.js';
import { CliExit, ExitCode } from '../exit.js';
import { formatDuration, formatTime, table } from '../format.js';
import { credentialsTable, tokenCredentials } from './credentials.js';

const SERVICES = ['token-refresher', 'policy', 'forwarder'];

export function registerStatusCommand(program: Command, cli: CliContext): void {
  program
    .command('status')
    .description('services answering, credentials with time left, newest tickets, event stream and consumer lag')
    .action(async () => {
      const session = cli.session();
      const nc = await session.connection();
      const [services, credentials, events] = await Promise.all([
        pingAll(nc),
        session.request<CredentialListItem[]>(Subjects.admin.credentialsList, {}).catch((err: unknown) => ({
          error: err instanceof CliExit ? err.message : String(err),
        })),
        eventsStatus(nc, session.timeoutMs),
      ]);
      const now = Date.now();
      const missing = SERVICES.filter((app) => !services.some((s) => s.app === app));
      // Nobody at all answering is most often the wrong NATS, not three stopped services.
      const nobody =
        services.length === 0
          ? new CliExit(ExitCode.UNAVAILABLE, `no wxgate service answered ${Subjects.admin.ping} at NATS ${session.servers}: is NATS_URL (or --nats) the NATS the services use, and are they running?`, {
              services,
              missing,
              natsUrl: session.servers,
              credentials,
              events,
            })
          : undefined;
      if (cli.json) {
        if (nobody) throw nobody;
        cli.print('', { services, missing, credentials, events });
        return;
      }
      const out: string[] = [];
      out.push('SERVICES');
      if (services.length) out.push(table(['app', 'instance', 'version', 'uptime'], services.map((s) => [s.app, s.instance, s.version, formatDuration(s.uptimeS * 1000)])));
      if (missing.length) out.push(`not answering: ${missing.join(', ')}`);
      out.push('', 'CREDENTIALS');
      out.push(Array.isArray(credentials) ? credentialsTable(tokenCredentials(credentials), now) : credentials.error);
      out.push('', 'EVENTS');
      if ('error' in events) {
        out.push(`JetStream: ${events.error}`);
      } else {
        const last = events.lastAt ? `, newest ${formatTime(events.lastAt)}` : '';
        out.push(`stream ${events.stream}: ${events.messages} message(s), ${events.bytes} bytes${last}`);
        out.push(
          events.consumers.length
            ? table(
                ['consumer', 'lag (pending)', 'unacked', 'redelivered', 'last delivery'],
                events.consumers.map((c) => [c.name, c.pending, c.ackPending, c.redelivered, formatTime(c.lastDeliveredAt)]),
              )
            : '(no consumers)',
        );
      }
      cli.print(out.join('\n'), null);
      if (nobody) throw nobody;
    });
}
