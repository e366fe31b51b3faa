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
  /** Told when the consume loop is re-created (and why), e.g. after a JetStream leader failover. */
  onRestart?: (why: string) => void;
  maxDeliver?: number;
}

export interface RunningConsumer {
  stop(): Promise<void>;
  /** How many messages were handled so far. */
  readonly processed: number;
  /** How many times the consume loop was re-created. */
  readonly restarts: number;
}

/**
 * Pull timing. The client's defaults (30 s pulls, 15 s heartbeats) let a consumer sit ~30 s
 * after the JetStream leader it pulled from went away; with these a silent consumer is noticed
 * within ~2 s (two missed heartbeats: the client re-checks the consumer and pulls again) and
 * re-created after STALL_MS of silence (see docs/scale-out.md for the measured resume time).
 */
export const CONSUME_TIMING = { expires: 5_000, idle_heartbeat: 1_000 } as const;
/** Silence (no message, no heartbeat) after which the consume loop is closed and created again. */
const STALL_MS = 3 * CONSUME_TIMING.idle_heartbeat + 500;
const STALL_CHECK_MS = 250;
/**
 * A delivered message not acknowledged within this is redelivered: short, so a message whose ack
 * was lost with a failed-over leader comes back in seconds; a handler still working on one says
 * so every third of it (`working()`), so a slow WeChat call is not redelivered meanwhile.
 */
const ACK_WAIT_MS = 6_000;
const RESTART_DELAY_MS = 250;
const JS_API_TIMEOUT_MS = 2_000;
const RESTART_DELAY_MAX_MS = 2_000;

/**
 * Consumes `WXGATE_EVENTS` through a durable pull consumer: what was published while this service
 * was down is delivered when it comes back; replicas share the consumer. A failed message is
 * redelivered with backoff up to `maxDeliver` times. The consume loop is supervised: when the
 * consumer stops hearing from JetStream (heartbeats missed, consumer or stream gone, the
 * iterator ended) it is created again, so a leader failover costs seconds, not a pull expiry.
 */
export async function runDurableConsumer(nc: NatsConnection, options: DurableConsumerOptions): Promise<RunningConsumer> {
  // JetStream API calls fail fast while a cluster elects a leader; the supervisor retries them.
  const jsm = await jetstreamManager(nc, { timeout: JS_API_TIMEOUT_MS });
  // `filter_subjects` needs nats-server 2.10; Debian's package is 2.9, so one subject uses the old field.
  const filter = options.filterSubjects.length === 1 ? { filter_subject: options.filterSubjects[0] } : { filter_subjects: options.filterSubjects };
  const config = {
    durable_name: options.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ACK_WAIT_MS),
    max_deliver: options.maxDeliver ?? 20,
    ...filter,
  };
  // No num_replicas: a durable consumer has as many copies as the stream (WXGATE_STREAM_REPLICAS).
  const ensureConsumer = async () => {
    try {
      await jsm.consumers.add(EVENTS_STREAM, config);
    } catch {
      await jsm.consumers.update(EVENTS_STREAM, options.durable, { ...filter, max_deliver: config.max_deliver, ack_wait: config.ack_wait });
    }
  };
  await ensureConsumer();

  const state = { processed: 0, restarts: 0, stopped: false };
  let messages: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;

  const open = async (): Promise<ConsumerMessages> => {
    const consumer = await jetstream(nc, { timeout: JS_API_TIMEOUT_MS }).consumers.get(EVENTS_STREAM, options.durable);
    return consumer.consume({ max_messages: 64, ...CONSUME_TIMING });
  };

  /**
   * Closes `current` when JetStream has been silent for STALL_MS (no message, no heartbeat: its
   * leader is gone or this connection is failing over) or the consumer is gone.
   */
  const watch = (current: ConsumerMessages, activity: { at: number }, restart: (why: string, gone: boolean) => void) => {
    const timer = setInterval(() => {
      if (Date.now() - activity.at > STALL_MS) restart(`no heartbeat for ${Date.now() - activity.at} ms`, false);
    }, STALL_CHECK_MS);
    timer.unref();
    void current.closed().finally(() => clearInterval(timer));
    void (async () => {
      for await (const status of current.status()) {
        if (status.type === 'heartbeat' || status.type === 'next') activity.at = Date.now();
        else if (status.type === 'consumer_deleted') restart('consumer deleted', true);
        else if (status.type === 'consumer_not_found' && status.count >= 2) restart('consumer not found', true);
        else if (status.type === 'stream_not_found') restart('stream not found', true);
      }
    })().catch(() => undefined);
  };

  const handleOne = async (msg: JsMsg) => {
    const working = setInterval(() => msg.working(), ACK_WAIT_MS / 3);
    working.unref();
    try {
      await options.handle(msg.subject, decodePayload(msg.data), msg);
      msg.ack();
    } catch (err) {
      options.onError?.(msg.subject, err);
      msg.nak(Math.min(30_000, 250 * 2 ** Math.min(msg.info.deliveryCount, 7)));
    } finally {
      clearInterval(working);
    }
    state.processed++;
  };

  const supervise = async (first: ConsumerMessages) => {
    let current: ConsumerMessages | undefined = first;
    let delay = RESTART_DELAY_MS;
    let missing = false;
    while (!state.stopped) {
      let why = 'the consume loop ended';
      try {
        if (!current) {
          // Re-created only when it is gone; after a failover it still exists on the new leader.
          if (missing) await ensureConsumer();
          current = await open();
          if (state.stopped) {
            await current.close().catch(() => undefined);
            return;
          }
        }
        messages = current;
        const running = current;
        const activity = { at: Date.now() };
        watch(running, activity, (reason, gone) => {
          why = reason;
          missing = gone;
          void running.close().catch(() => undefined);
        });
        for await (const msg of running) {
          activity.at = Date.now();
          delay = RESTART_DELAY_MS;
          await handleOne(msg);
        }
      } catch (err) {
        why = `consuming failed: ${(err as Error).message}`;
        missing = /not found/i.test((err as Error).message);
      }
      current = undefined;
      if (state.stopped) return;
      state.restarts++;
      options.onRestart?.(why);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, delay).unref();
      });
      delay = Math.min(delay * 2, RESTART_DELAY_MAX_MS);
    }
  };

  const loop = supervise(await open());
  return {
    get processed() {
      return state.processed;
    },
    get restarts() {
      return state.restarts;
    },
    async stop() {
      state.stopped = true;
      wake?.();
      await messages?.close().catch(() => undefined);
      await loop.catch(() => undefined);
    },
  };
}
