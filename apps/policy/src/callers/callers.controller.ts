import { MessagePattern, Payload } from '@nestjs/microservices';
import { CallerChangeRequest, EnvRequest, OK, Subjects, type CallerAddReply, type CallerHashesReply, type CallerListReply, type OkReply } from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { AddCaller } from './add-caller.usecase.js';
import { GetCallerHashes, ListCallers } from './list-callers.usecase.js';
import { RemoveCaller } from './remove-caller.usecase.js';

@NatsController()
export class CallersController {
  constructor(
    private readonly addCaller: AddCaller,
    private readonly removeCaller: RemoveCaller,
    private readonly listCallers: ListCallers,
    private readonly callerHashes: GetCallerHashes,
  ) {}

  @MessagePattern(Subjects.admin.callerAdd)
  add(@Payload(new ZodPayload(CallerChangeRequest)) body: CallerChangeRequest): Promise<CallerAddReply> {
    return this.addCaller.execute(body.envId, body.name);
  }

  @MessagePattern(Subjects.admin.callerRemove)
  async remove(@Payload(new ZodPayload(CallerChangeRequest)) body: CallerChangeRequest): Promise<OkReply> {
    await this.removeCaller.execute(body.envId, body.name);
    return OK;
  }

  @MessagePattern(Subjects.admin.callerList)
  list(@Payload(new ZodPayload(EnvRequest)) body: EnvRequest): Promise<CallerListReply> {
    return this.listCallers.execute(body.envId);
  }

  @MessagePattern(Subjects.policy.callers)
  hashes(@Payload(new ZodPayload(EnvRequest)) body: EnvRequest): Promise<CallerHashesReply> {
    return this.callerHashes.execute(body.envId);
  }
}
