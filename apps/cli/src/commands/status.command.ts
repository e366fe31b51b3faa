import type { Command } from 'commander';
import { jetstreamManager } from '@nats-io/jetstream';
import { createInbox, type NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM, Subjects, type CredentialListItem, type PingReply } from '@wxgate/contracts';
import type { CliContext } from '../context.js';
import { CliExit, ExitCode } from '../exit.js';
import { formatDuration, formatTime, table } from '../format.js';
import { credentialsTable } from './credentials.command.js';

const SERVICES = ['token-refresher', 'policy', 'forwarder'];
/** Every replica answers the ping outside queue groups; listen this long for all of them. */
const PING_WINDOW_MS = 500;

async function pingAll(nc: NatsConnection): Promise<PingReply[]> {
  const inbox = createInbox();
  const replies: PingReply[] = [];
  const sub = nc.subscribe(inbox, {
    callback: (_err, msg) => {
      try {
        replies.push(msg.json<PingReply>());
      } catch {
        // Not a wxgate ping reply: ignore.
      }
    },
  });
  nc.publish(Subjects.admin.ping, '', { reply: inbox });
  await new Promise((r) => setTimeout(r, PING_WINDOW_MS));
  sub.unsubscribe();
  return replies.sort((a, b) => a.app.localeCompare(b.app) || a.instance.localeCompare(b.instance));
}

/** The server sends RFC 3339 strings where the typings say nanoseconds; accept both. */
function timestamp(value: unknown): number | undefined {
  if (typeof value === 'string' && !value.startsWith('0001')) return Date.parse(value);
  if (typeof value === 'number' && value > 0) return Math.floor(value / 1e6);
  return undefined;
}

interface EventsStatus {
  stream: string;
  messages: number;
  bytes: number;
  lastAt?: number;
  consumers: { name: string; pending: number; ackPending: number; redelivered: number; lastDeliveredAt?: number }[];
}

async function eventsStatus(nc: NatsConnection, timeoutMs: number): Promise<EventsStatus | { error: string }> {
  try {
    const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
    const info = await jsm.streams.info(EVENTS_STREAM);
    const consumers: EventsStatus['consumers'] = [];
    for await (const c of jsm.consumers.list(EVENTS_STREAM)) {
      consumers.push({
        name: c.name,
        pending: c.num_pending,
        ackPending: c.num_ack_pending,
        redelivered: c.num_redelivered,
        lastDeliveredAt: timestamp(c.delivered.last_active),
      });
    }
    return {
      stream: EVENTS_STREAM,
      messages: info.state.messages,
      bytes: info.state.bytes,
      lastAt: info.state.messages ? timestamp(info.state.last_ts) : undefined,
      consumers: consumers.sort((a, b) => a.name.localeCompare(b.name)),
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

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
      out.push(Array.isArray(credentials) ? credentialsTable(credentials, now) : credentials.error);
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
