import { Inject, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { parsePayload, PolicyCheckRequest, QUEUE_GROUPS, Subjects, type PayPolicyDecision, type PolicyDecision } from '@wxgate/contracts';
import { decodePayload, NATS_CONNECTION, NatsController, serveHot, type HotResponder } from '@wxgate/nats';
import { CheckPolicy, type DecisionStamp } from './check-policy.usecase.js';

/** How many distinct requests keep their encoded answer (oldest out first). */
export const CHECK_MEMO_MAX = 10_000;
/** Larger requests are decided every time (the memo's keys stay small). */
export const CHECK_MEMO_MAX_REQUEST_BYTES = 1_024;

interface Remembered {
  readonly stamp: DecisionStamp;
  /** `encodeJson(decision)` in its own ArrayBuffer (not Node's shared pool, which it would pin). */
  readonly bytes: Uint8Array;
}

const encoder = new TextEncoder();

/**
 * `wxgate.policy.check`: a deny is a normal reply, not an error; only a malformed request is
 * (BAD_REQUEST, as `ZodPayload` answers it). A hot subject, served outside Nest's pipeline in the
 * policy's queue group (docs/architecture.md "How subjects are served").
 *
 * The answer is a pure function of the request's bytes and what its decision read from the model,
 * so the encoded answer is kept by the exact request bytes: a repeated request is answered without
 * parsing, validating, deciding or encoding, while `CheckPolicy.decidesAgain` finds the revision
 * and every read unchanged (and counts it). Anything else (a changed environment, allowlist, share,
 * authorizer or revision) decides afresh. Malformed requests and those that wait for a reload
 * (`minRevision` ahead of this replica) are never kept.
 */
@NatsController()
export class CheckController implements OnApplicationBootstrap, BeforeApplicationShutdown {
  #hot?: HotResponder;
  /** By the request bytes read as latin1 (one char per byte: exact bytes, no UTF-8 decoding). */
  readonly #remembered = new Map<string, Remembered>();

  constructor(
    private readonly checkPolicy: CheckPolicy,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  onApplicationBootstrap(): void {
    this.#hot = serveHot(this.nc, Subjects.policy.check, { queue: QUEUE_GROUPS.policy }, (msg: Msg) => this.check(msg.data));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.#hot?.drain();
  }

  check(payload: Uint8Array): Uint8Array | PolicyDecision | PayPolicyDecision | Promise<PolicyDecision | PayPolicyDecision> {
    const key = payload.length <= CHECK_MEMO_MAX_REQUEST_BYTES ? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('latin1') : undefined;
    if (key !== undefined) {
      const kept = this.#remembered.get(key);
      if (kept !== undefined) {
        if (this.checkPolicy.decidesAgain(kept.stamp)) return kept.bytes;
        this.#remembered.delete(key);
      }
    }
    const request = parsePayload(PolicyCheckRequest, decodePayload(payload));
    if (key === undefined) return this.checkPolicy.execute(request);
    const decided = this.checkPolicy.executeStamped(request);
    if (decided instanceof Promise) return decided;
    const bytes = encoder.encode(JSON.stringify(decided.decision));
    if (this.#remembered.size >= CHECK_MEMO_MAX) this.#remembered.delete(this.#remembered.keys().next().value!);
    this.#remembered.set(key, { stamp: decided.stamp, bytes });
    return bytes;
  }
}
