import { MessagePattern, Payload } from '@nestjs/microservices';
import { PolicyCheckRequest, Subjects, type PayPolicyDecision, type PolicyDecision } from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { CheckPolicy } from './check-policy.usecase.js';

/** `wxgate.policy.check`: a deny is a normal reply, not an error; only a malformed request is. */
@NatsController()
export class CheckController {
  constructor(private readonly checkPolicy: CheckPolicy) {}

  @MessagePattern(Subjects.policy.check)
  check(@Payload(new ZodPayload(PolicyCheckRequest)) body: PolicyCheckRequest): PolicyDecision | PayPolicyDecision | Promise<PolicyDecision | PayPolicyDecision> {
    return this.checkPolicy.execute(body);
  }
}
