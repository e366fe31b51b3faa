import { jetstreamManager, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM, Subjects } from '@wxgate/contracts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** SPEC §3 Events: file storage, 7-day max age, 2-minute duplicate window. */
export const EVENTS_STREAM_CONFIG: Partial<StreamConfig> & { name: string; subjects: string[] } = {
  name: EVENTS_STREAM,
  subjects: [Subjects.events.all],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  max_age: nanos(7 * DAY_MS),
  duplicate_window: nanos(2 * 60 * 1000),
};

/** Creates or updates the events stream; safe to call from every service and replica at once. */
export async function ensureEventsStream(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (let attempt = 0; ; attempt++) {
    try {
      const info = await jsm.streams.info(EVENTS_STREAM).catch(() => undefined);
      if (!info) {
        await jsm.streams.add(EVENTS_STREAM_CONFIG);
      } else if (info.config.max_age !== EVENTS_STREAM_CONFIG.max_age || info.config.duplicate_window !== EVENTS_STREAM_CONFIG.duplicate_window) {
        await jsm.streams.update(EVENTS_STREAM, { ...info.config, ...EVENTS_STREAM_CONFIG });
      }
      return;
    } catch (err) {
      // Another replica created it between our info and add: look again.
      if (attempt >= 3) throw err;
    }
  }
}
