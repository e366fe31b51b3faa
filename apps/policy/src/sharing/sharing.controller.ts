import { MessagePattern, Payload } from '@nestjs/microservices';
import { EnvRequest, OK, ShareChangeRequest, Subjects, type OkReply, type ShareListReply } from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { GetEnvironment } from '../environments/get-environment.usecase.js';
import { AddShare } from './add-share.usecase.js';
import { RemoveShare } from './remove-share.usecase.js';

@NatsController()
export class SharingController {
  constructor(
    private readonly addShare: AddShare,
    private readonly removeShare: RemoveShare,
    private readonly getEnvironment: GetEnvironment,
  ) {}

  @MessagePattern(Subjects.admin.shareAdd)
  async add(@Payload(new ZodPayload(ShareChangeRequest)) body: ShareChangeRequest): Promise<OkReply> {
    await this.addShare.execute(body.envId, body.appid);
    return OK;
  }

  @MessagePattern(Subjects.admin.shareRemove)
  async remove(@Payload(new ZodPayload(ShareChangeRequest)) body: ShareChangeRequest): Promise<OkReply> {
    await this.removeShare.execute(body.envId, body.appid);
    return OK;
  }

  @MessagePattern(Subjects.admin.shareList)
  async list(@Payload(new ZodPayload(EnvRequest)) body: EnvRequest): Promise<ShareListReply> {
    return { appids: (await this.getEnvironment.execute(body.envId)).appids };
  }
}
