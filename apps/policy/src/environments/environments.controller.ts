import { MessagePattern, Payload } from '@nestjs/microservices';
import { EnvRequest, Reason, Subjects, WxgateError, type AllowlistReply, type EnvRequest as EnvRequestBody } from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';

@NatsController()
export class EnvironmentsController {
  @MessagePattern(Subjects.admin.allowlistList)
  allowlist(@Payload(new ZodPayload(EnvRequest)) body: EnvRequestBody): AllowlistReply {
    throw new WxgateError(Reason.ENV_NOT_FOUND, `no environment ${body.envId}`);
  }
}
