import { MessagePattern, Payload } from '@nestjs/microservices';
import { EnvRequest, MerchantBindRequest, OK, Subjects, type MerchantBindingsReply, type OkReply } from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { GetEnvironment } from '../environments/get-environment.usecase.js';
import { BindMerchant } from './bind-merchant.usecase.js';
import { UnbindMerchant } from './unbind-merchant.usecase.js';

@NatsController()
export class MerchantsController {
  constructor(
    private readonly bindMerchant: BindMerchant,
    private readonly unbindMerchant: UnbindMerchant,
    private readonly getEnvironment: GetEnvironment,
  ) {}

  @MessagePattern(Subjects.admin.merchantBind)
  async bind(@Payload(new ZodPayload(MerchantBindRequest)) body: MerchantBindRequest): Promise<OkReply> {
    await this.bindMerchant.execute(body.envId, body.mchid);
    return OK;
  }

  @MessagePattern(Subjects.admin.merchantUnbind)
  async unbind(@Payload(new ZodPayload(MerchantBindRequest)) body: MerchantBindRequest): Promise<OkReply> {
    await this.unbindMerchant.execute(body.envId, body.mchid);
    return OK;
  }

  @MessagePattern(Subjects.admin.merchantBindings)
  async list(@Payload(new ZodPayload(EnvRequest)) body: EnvRequest): Promise<MerchantBindingsReply> {
    return { mchids: (await this.getEnvironment.execute(body.envId)).mchids ?? [] };
  }
}
