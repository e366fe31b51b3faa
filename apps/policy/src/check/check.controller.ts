import { Inject, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { parsePayload, PolicyCheckRequest, QUEUE_GROUPS, Subjects, type PayPolicyDecision, type PolicyDecision } from '@wxgate/contracts';
import { decodePayload, NATS_CONNECTION, NatsController, serveHot, type HotResponder } from '@wxgate/nats';
import { CheckPolicy } from './check-policy.usecase.js';

/**
 * `wxgate.policy.check`: a deny is a normal reply, not an error; only a malformed request is
 * (BAD_REQUEST, as `ZodPayload` answers it). A hot subject, served outside Nest's pipeline in the
 * policy's queue group (docs/architecture.md "How subjects are served").
 */
@NatsController()
export class CheckController implements OnApplicationBootstrap, BeforeApplicationShutdown {
  #hot?: HotResponder;

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

  check(payload: Uint8Array): PolicyDecision | PayPolicyDecision | Promise<PolicyDecision | PayPolicyDecision> {
    return this.checkPolicy.execute(parsePayload(PolicyCheckRequest, decodePayload(payload)));
  }
}
