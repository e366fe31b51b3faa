import { jetstreamManager, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM, Subjects } from '@wxgate/contracts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** docs/nats-interface.md Events: file storage, 7-day max age, 2-minute duplicate window. */
export const EVENTS_STREAM_CONFIG: Partial<StreamConfig> & { name: string; subjects: string[] } = {
  name: EVENTS_STREAM,
  subjects: [Subjects.events.all],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  max_age: nanos(7 * DAY_MS),
  duplicate_window: nanos(2 * 60 * 1000),
};

/**
 * Creates or updates the events stream; safe to call from every service and replica at once.
 * `replicas` (WXGATE_STREAM_REPLICAS) is how many cluster nodes keep a copy; an existing stream is
 * scaled to it, and durable consumers (which inherit the stream's replicas) follow.
 */
export async function ensureEventsStream(nc: NatsConnection, replicas = 1): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const wanted = { ...EVENTS_STREAM_CONFIG, num_replicas: replicas };
  for (let attempt = 0; ; attempt++) {
    try {
      const info = await jsm.streams.info(EVENTS_STREAM).catch(() => undefined);
      if (!info) {
        await jsm.streams.add(wanted);
      } else if (
        info.config.max_age !== wanted.max_age ||
        info.config.duplicate_window !== wanted.duplicate_window ||
        (info.config.num_replicas || 1) !== replicas
      ) {
        await jsm.streams.update(EVENTS_STREAM, { ...info.config, ...wanted });
      }
      return;
    } catch (err) {
      // Another replica created it between our info and add, or a cluster is electing a leader: look again.
      if (attempt >= 5) throw new Error(`cannot ensure stream ${EVENTS_STREAM} with ${replicas} replica(s): ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}
