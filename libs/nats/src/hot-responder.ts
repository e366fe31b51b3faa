import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { contractErrorOf } from './rpc-error.filter.js';
import { encodeErrorReply, encodeJson } from './plain-json.js';

/**
 * What a hot handler answers: a reply value (encoded as plain JSON), bytes that already are the
 * encoded reply (see `ReusedReplies`), or a promise of either. A throw or a rejection becomes the
 * contract's error reply, exactly as on the Nest path (docs/nats-interface.md "Conventions").
 */
export type HotReply = unknown;
export type HotHandler = (msg: Msg) => HotReply | Promise<HotReply>;

export interface HotOptions {
  /** The app's queue group, the one its Nest NATS server uses (`QUEUE_GROUPS`): replicas share the load. */
  queue: string;
  /** On drain, how long requests already taken get to settle (Nest's `gracePeriod` in transport.ts). */
  gracePeriodMs?: number;
}

/** The Nest NATS server's grace period (libs/nats/src/transport.ts). */
export const HOT_GRACE_PERIOD_MS = 1_500;

/**
 * One request-reply subject served from a plain `nc.subscribe(subject, { queue, callback })`,
 * without Nest's pipes, rxjs and serializer (docs/architecture.md "How subjects are served").
 *
 * A handler that returns a value is answered at once, inside the subscription callback: nats.js
 * flushes its outbound buffer in a microtask, so every reply made while one read of the socket
 * is processed leaves in one socket write. A promise is answered when it settles. The reply bytes
 * are the Nest path's, byte for byte: plain JSON of the value (`null` for undefined), or
 * `{"error":{reason,message,errcode}}` from `contractErrorOf` (a WxgateError keeps its reason,
 * anything else is logged and answered as INTERNAL). A message without a reply subject is not a
 * request and is ignored.
 */
export class HotResponder {
  readonly #sub: Subscription;
  readonly #graceMs: number;
  #inFlight = 0;
  #settled?: () => void;
  #drained?: Promise<void>;

  constructor(
    nc: NatsConnection,
    readonly subject: string,
    options: HotOptions,
    private readonly handler: HotHandler,
  ) {
    this.#graceMs = options.gracePeriodMs ?? HOT_GRACE_PERIOD_MS;
    this.#sub = nc.subscribe(subject, { queue: options.queue, callback: (err, msg) => (err ? undefined : this.#answer(msg)) });
  }

  /** Requests taken and not answered yet (promises pending). */
  get inFlight(): number {
    return this.#inFlight;
  }

  #answer(msg: Msg): void {
    if (!msg.reply) return;
    let reply: HotReply;
    try {
      reply = this.handler(msg);
    } catch (err) {
      msg.respond(encodeErrorReply(contractErrorOf(err, msg.subject)));
      return;
    }
    if (!isPromiseLike(reply)) {
      msg.respond(encodeReply(reply));
      return;
    }
    this.#inFlight++;
    reply.then(
      (value) => this.#settle(msg, encodeReply(value)),
      (err: unknown) => this.#settle(msg, encodeErrorReply(contractErrorOf(err, msg.subject))),
    );
  }

  #settle(msg: Msg, bytes: Uint8Array): void {
    try {
      msg.respond(bytes);
    } finally {
      if (--this.#inFlight === 0) this.#settled?.();
    }
  }

  /**
   * Stops taking requests (the server stops delivering; what it already sent is still answered),
   * then waits up to the grace period for pending promises, like Nest's graceful shutdown.
   * Call before the connection drains. Idempotent.
   */
  drain(): Promise<void> {
    this.#drained ??= (async () => {
      if (!this.#sub.isClosed() && !this.#sub.isDraining()) await this.#sub.drain().catch(() => undefined);
      if (this.#inFlight === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#graceMs);
        timer.unref();
        this.#settled = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    })();
    return this.#drained;
  }
}

/** `new HotResponder(…)`: serve `subject` in `queue` with `handler`. */
export function serveHot(nc: NatsConnection, subject: string, options: HotOptions, handler: HotHandler): HotResponder {
  return new HotResponder(nc, subject, options, handler);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Bytes are an already encoded reply; anything else is encoded as Nest's serializer does. */
function encodeReply(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? value : encodeJson(value ?? null);
}
