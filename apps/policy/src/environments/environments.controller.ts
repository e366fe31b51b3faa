import { MessagePattern, Payload } from '@nestjs/microservices';
import { EmptyRequest, EnvPutRequest, EnvRequest, OK, Subjects, type EnvDetail, type EnvListReply, type OkReply } from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { DeleteEnvironment } from './delete-environment.usecase.js';
import { GetEnvironment } from './get-environment.usecase.js';
import { ListEnvironments } from './list-environments.usecase.js';
import { PutEnvironment } from './put-environment.usecase.js';

@NatsController()
export class EnvironmentsController {
  constructor(
    private readonly putEnvironment: PutEnvironment,
    private readonly getEnvironment: GetEnvironment,
    private readonly listEnvironments: ListEnvironments,
    private readonly deleteEnvironment: DeleteEnvironment,
  ) {}

  @MessagePattern(Subjects.admin.envPut)
  async put(@Payload(new ZodPayload(EnvPutRequest)) body: EnvPutRequest): Promise<OkReply> {
    await this.putEnvironment.execute(body);
    return OK;
  }

  @MessagePattern(Subjects.admin.envGet)
  get(@Payload(new ZodPayload(EnvRequest)) body: EnvRequest): Promise<EnvDetail> {
    return this.getEnvironment.execute(body.envId);
  }

  @MessagePattern(Subjects.admin.envList)
  list(@Payload(new ZodPayload(EmptyRequest)) _body: object): Promise<EnvListReply> {
    return this.listEnvironments.execute();
  }

  @MessagePattern(Subjects.admin.envDelete)
  async delete(@Payload(new ZodPayload(EnvRequest)) body: EnvRequest): Promise<OkReply> {
    await this.deleteEnvironment.execute(body.envId);
    return OK;
  }
}
