import { Injectable } from '@nestjs/common';
import type { PaySignRequest, PaySignReply } from '@wxgate/contracts';
import { buildAuthorization } from '@wxgate/wechatpay';
import { MerchantKeyring } from './merchant-keyring.js';

/** `pay.sign`: the Authorization header for exactly this method, path?query and body. */
@Injectable()
export class SignPayRequest {
  constructor(private readonly keyring: MerchantKeyring) {}

  async execute(mchid: string, request: PaySignRequest): Promise<PaySignReply> {
    const { signer } = await this.keyring.get(mchid);
    return { authorization: buildAuthorization(signer, request) };
  }
}
