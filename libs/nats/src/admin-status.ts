import { jetstreamManager } from '@nats-io/jetstream';
import { createInbox, type NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM, Subjects, type PingReply } from '@wxgate/contracts';

/** Every replica answers the ping outside queue groups; listen this long for all of them. */
export const PING_WINDOW_MS = 500;

/**
 * Collects the answers of every replica to a broadcast request (`wxgate.admin.ping`, relay stats):
 * one publish with a reply inbox, every reply heard within `windowMs`. Undecodable replies are skipped.
 */
export async function gatherReplies<T>(nc: NatsConnection, subject: string, windowMs = PING_WINDOW_MS): Promise<T[]> {
  const inbox = createInbox();
  const replies: T[] = [];
  const sub = nc.subscribe(inbox, {
    callback: (_err, msg) => {
      try {
        replies.push(msg.json<T>());
      } catch {
        // Not JSON: not a wxgate reply.
      }
    },
  });
  nc.publish(subject, '', { reply: inbox });
  await new Promise((r) => setTimeout(r, windowMs));
  sub.unsubscribe();
  return replies;
}

/** Every wxgate process answering `wxgate.admin.ping`, sorted by app and instance. */
export async function pingAll(nc: NatsConnection, windowMs = PING_WINDOW_MS): Promise<PingReply[]> {
  const replies = await gatherReplies<PingReply>(nc, Subjects.admin.ping, windowMs);
  return replies
    .filter((r) => typeof r?.app === 'string' && typeof r.instance === 'string')
    .sort((a, b) => a.app.localeCompare(b.app) || a.instance.localeCompare(b.instance));
}

/** The server sends RFC 3339 strings where the typings say nanoseconds; accept both. */
function timestamp(value: unknown): number | undefined {
  if (typeof value === 'string' && !value.startsWith('0001')) return Date.parse(value);
  if (typeof value === 'number' && value > 0) return Math.floor(value / 1e6);
  return undefined;
}

export interface EventsStatus {
  stream: string;
  messages: number;
  bytes: number;
  lastAt?: number;
  consumers: { name: string; pending: number; ackPending: number; redelivered: number; lastDeliveredAt?: number }[];
}

/** The events stream and the lag of each durable consumer on it, or why JetStream did not say. */
export async function eventsStatus(nc: NatsConnection, timeoutMs: number): Promise<EventsStatus | { error: string }> {
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
