import { Injectable } from '@nestjs/common';
import type { JsapiPayReply, PayJsapiRequest } from '@wxgate/contracts';
import { jsapiPayParams } from '@wxgate/wechatpay';
import { MerchantKeyring } from './merchant-keyring.js';

/** `pay.jsapi`: what `wx.requestPayment` needs for a prepay id. */
@Injectable()
export class SignJsapiPayment {
  constructor(private readonly keyring: MerchantKeyring) {}

  async execute(mchid: string, request: PayJsapiRequest): Promise<JsapiPayReply> {
    const { signer } = await this.keyring.get(mchid);
    return jsapiPayParams(signer.privateKey, request.appid, request.prepayId);
  }
}
