import { Ctx, MessagePattern, Payload, type NatsContext } from '@nestjs/microservices';
import {
  MCHID_PATTERN,
  mchidFromSubject,
  MerchantPutRequest,
  MerchantRequest,
  OK,
  PayJsapiRequest,
  PayKeysRequest,
  PaySignRequest,
  Reason,
  Subjects,
  WxgateError,
  type JsapiPayReply,
  type OkReply,
  type PayKeysReply,
  type PaySignReply,
} from '@wxgate/contracts';
import { NatsController, ZodPayload } from '@wxgate/nats';
import { DeleteMerchant } from './delete-merchant.usecase.js';
import { PutMerchant } from './put-merchant.usecase.js';
import { GetPayKeys } from './get-pay-keys.usecase.js';
import { SignJsapiPayment } from './sign-jsapi-payment.usecase.js';
import { SignPayRequest } from './sign-pay-request.usecase.js';

function mchidOf(ctx: NatsContext): string {
  const mchid = mchidFromSubject(ctx.getSubject());
  if (!MCHID_PATTERN.test(mchid)) throw new WxgateError(Reason.BAD_REQUEST, 'the subject must end in a merchant id (wxgate.pay.<op>.<mchid>)');
  return mchid;
}

/** WeChat Pay subjects of the token-refresher. Replies never hold the private key or the APIv3 key. */
@NatsController()
export class PayController {
  constructor(
    private readonly putMerchant: PutMerchant,
    private readonly signPayRequest: SignPayRequest,
    private readonly signJsapi: SignJsapiPayment,
    private readonly getPayKeys: GetPayKeys,
    private readonly deleteMerchant: DeleteMerchant,
  ) {}

  @MessagePattern(Subjects.admin.merchantPut)
  async put(@Payload(new ZodPayload(MerchantPutRequest)) body: MerchantPutRequest): Promise<OkReply> {
    await this.putMerchant.execute(body);
    return OK;
  }

  @MessagePattern(Subjects.admin.merchantDelete)
  async delete(@Payload(new ZodPayload(MerchantRequest)) body: MerchantRequest): Promise<OkReply> {
    await this.deleteMerchant.execute(body.mchid);
    return OK;
  }

  @MessagePattern(Subjects.pay.signPattern)
  sign(@Payload(new ZodPayload(PaySignRequest)) body: PaySignRequest, @Ctx() ctx: NatsContext): Promise<PaySignReply> {
    return this.signPayRequest.execute(mchidOf(ctx), body);
  }

  @MessagePattern(Subjects.pay.keysPattern)
  keys(@Payload(new ZodPayload(PayKeysRequest)) body: PayKeysRequest, @Ctx() ctx: NatsContext): Promise<PayKeysReply> {
    return this.getPayKeys.execute(mchidOf(ctx), body);
  }

  @MessagePattern(Subjects.pay.jsapiPattern)
  jsapi(@Payload(new ZodPayload(PayJsapiRequest)) body: PayJsapiRequest, @Ctx() ctx: NatsContext): Promise<JsapiPayReply> {
    return this.signJsapi.execute(mchidOf(ctx), body);
  }
}
