import { Injectable } from '@nestjs/common';
import type { JsapiPayReply, PayJsapiRequest, PayKeysReply, PaySignRequest, PaySignReply } from '@wxgate/contracts';
import { buildAuthorization, jsapiPayParams } from '@wxgate/wechatpay';
import { MerchantKeyring } from './merchant-keyring.js';
import { RefreshCertificates } from './refresh-certificates.js';

/** `pay.sign`: the Authorization header for exactly this method, path?query and body. */
@Injectable()
export class SignPayRequest {
  constructor(private readonly keyring: MerchantKeyring) {}

  async run(mchid: string, request: PaySignRequest): Promise<PaySignReply> {
    const { signer } = await this.keyring.get(mchid);
    return { authorization: buildAuthorization(signer, request) };
  }
}

/** `pay.jsapi`: what `wx.requestPayment` needs for a prepay id. */
@Injectable()
export class SignJsapiPayment {
  constructor(private readonly keyring: MerchantKeyring) {}

  async run(mchid: string, request: PayJsapiRequest): Promise<JsapiPayReply> {
    const { signer } = await this.keyring.get(mchid);
    return jsapiPayParams(signer.privateKey, request.appid, request.prepayId);
  }
}

/** `pay.keys`: WeChat Pay's public verification keys; `refresh` first re-downloads platform certificates. */
@Injectable()
export class GetPayKeys {
  constructor(
    private readonly keyring: MerchantKeyring,
    private readonly refresh: RefreshCertificates,
  ) {}

  async run(mchid: string, opts: { refresh?: boolean }): Promise<PayKeysReply> {
    const keys = await this.keyring.get(mchid);
    if (opts.refresh && keys.certificateMode) {
      await this.refresh.onDemand(mchid);
      return { keys: (await this.keyring.get(mchid)).published };
    }
    return { keys: keys.published };
  }
}
