import { Module } from '@nestjs/common';
import { CertificateRefresher } from './certificate-refresher.js';
import { MerchantKeyring } from './merchant-keyring.js';
import { PayNotifyRoute } from './notify/pay-notify.route.js';
import { PayController } from './pay.controller.js';
import { PayGateway } from './pay-gateway.js';
import { PutMerchant } from './put-merchant.usecase.js';
import { RefreshCertificates } from './refresh-certificates.usecase.js';
import { DeleteMerchant } from './delete-merchant.usecase.js';
import { GetPayKeys } from './get-pay-keys.usecase.js';
import { SignJsapiPayment } from './sign-jsapi-payment.usecase.js';
import { SignPayRequest } from './sign-pay-request.usecase.js';

/** WeChat Pay merchants: keys, request signing, platform certificates (see docs/wechat-pay.md). */
@Module({
  controllers: [PayController],
  providers: [PayGateway, MerchantKeyring, RefreshCertificates, CertificateRefresher, PutMerchant, DeleteMerchant, SignPayRequest, SignJsapiPayment, GetPayKeys, PayNotifyRoute],
  exports: [MerchantKeyring, PayNotifyRoute],
})
export class PayModule {}
