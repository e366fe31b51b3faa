import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM } from '@wxgate/contracts';
import { decodePayload } from './plain-json.js';

export interface DurableConsumerOptions {
  durable: string;
  filterSubjects: string[];
  /** Must be idempotent: JetStream redelivers on failure and replays are allowed. */
  handle: (subject: string, body: unknown, msg: JsMsg) => Promise<void>;
  onError?: (subject: string, err: unknown) => void;
  maxDeliver?: number;
}

export interface RunningConsumer {
  stop(): Promise<void>;
  /** Resolves when every message delivered so far has been handled. */
  readonly processed: number;
}

/**
 * Consumes `WXGATE_EVENTS` through a durable pull consumer: what was published while this service
 * was down is delivered when it comes back; replicas share the consumer. A failed message is
 * redelivered with backoff up to `maxDeliver` times.
 */
export async function runDurableConsumer(nc: NatsConnection, options: DurableConsumerOptions): Promise<RunningConsumer> {
  const jsm = await jetstreamManager(nc);
  // `filter_subjects` needs nats-server 2.10; Debian's package is 2.9, so one subject uses the old field.
  const filter = options.filterSubjects.length === 1 ? { filter_subject: options.filterSubjects[0] } : { filter_subjects: options.filterSubjects };
  const config = {
    durable_name: options.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(30_000),
    max_deliver: options.maxDeliver ?? 20,
    ...filter,
  };
  try {
    await jsm.consumers.add(EVENTS_STREAM, config);
  } catch {
    await jsm.consumers.update(EVENTS_STREAM, options.durable, { ...filter, max_deliver: config.max_deliver });
  }
  const consumer = await jetstream(nc).consumers.get(EVENTS_STREAM, options.durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 64 });
  const state = { processed: 0 };
  const loop = (async () => {
    for await (const msg of messages) {
      try {
        await options.handle(msg.subject, decodePayload(msg.data), msg);
        msg.ack();
      } catch (err) {
        options.onError?.(msg.subject, err);
        msg.nak(Math.min(30_000, 250 * 2 ** Math.min(msg.info.deliveryCount, 7)));
      }
      state.processed++;
    }
  })();
  return {
    get processed() {
      return state.processed;
    },
    async stop() {
      await messages.close().catch(() => undefined);
      await loop.catch(() => undefined);
    },
  };
}
