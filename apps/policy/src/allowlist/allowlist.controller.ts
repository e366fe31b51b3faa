import { MessagePattern, Payload } from '@nestjs/microservices';
import { AllowlistChangeRequest, EnvRequest, OK, Subjects, type AllowlistReply, type OkReply } from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { GetEnvironment } from '../environments/get-environment.usecase.js';
import { AddAllowlistPaths } from './add-allowlist-paths.usecase.js';
import { RemoveAllowlistPaths } from './remove-allowlist-paths.usecase.js';

@NatsController()
export class AllowlistController {
  constructor(
    private readonly addPaths: AddAllowlistPaths,
    private readonly removePaths: RemoveAllowlistPaths,
    private readonly getEnvironment: GetEnvironment,
  ) {}

  @MessagePattern(Subjects.admin.allowlistAdd)
  async add(@Payload(new ZodPayload(AllowlistChangeRequest)) body: AllowlistChangeRequest): Promise<OkReply> {
    await this.addPaths.execute(body.envId, body.paths);
    return OK;
  }

  @MessagePattern(Subjects.admin.allowlistRemove)
  async remove(@Payload(new ZodPayload(AllowlistChangeRequest)) body: AllowlistChangeRequest): Promise<OkReply> {
    await this.removePaths.execute(body.envId, body.paths);
    return OK;
  }

  @MessagePattern(Subjects.admin.allowlistList)
  async list(@Payload(new ZodPayload(EnvRequest)) body: EnvRequest): Promise<AllowlistReply> {
    return { paths: (await this.getEnvironment.execute(body.envId)).paths };
  }
}
