import { Injectable } from '@nestjs/common';
import { Reason, WxgateError, type MerchantPutRequest } from '@wxgate/contracts';
import { apiV3KeyBytes, parsePrivateKey, parsePublicKey, WechatPayCryptoError, type DownloadedCertificate } from '@wxgate/wechatpay';
import { Clock } from '@wxgate/platform';
import { MerchantRepository } from '../persistence/merchant.repository.js';
import { MerchantKeyring } from './merchant-keyring.js';
import { PayGateway } from './pay-gateway.js';
import { certificateDownloadError, mergeCertificates } from './refresh-certificates.usecase.js';

/**
 * `merchant.put`: keys must parse before anything is stored. Without a WeChat Pay public key the
 * platform certificates are downloaded (signed with the new key, decrypted with the new APIv3 key)
 * before the reply, which proves the whole set of credentials belongs together.
 */
@Injectable()
export class PutMerchant {
  constructor(
    private readonly merchants: MerchantRepository,
    private readonly gateway: PayGateway,
    private readonly keyring: MerchantKeyring,
    private readonly clock: Clock,
  ) {}

  async execute(input: MerchantPutRequest): Promise<void> {
    const privateKey = checked(() => parsePrivateKey(input.privateKey), 'privateKey');
    checked(() => apiV3KeyBytes(input.apiV3Key), 'apiV3Key');
    if (input.publicKey) checked(() => parsePublicKey(input.publicKey!), 'publicKey');
    const serialNo = input.serialNo.toUpperCase();

    const previous = await this.merchants.get(input.mchid);
    let downloaded: DownloadedCertificate[] = [];
    if (!input.publicKeyId) {
      try {
        downloaded = await this.gateway.downloadCertificates({ mchid: input.mchid, serialNo, privateKey }, input.apiV3Key);
      } catch (e) {
        throw certificateDownloadError(e);
      }
    }
    const now = this.clock.now();
    await this.merchants.put(
      {
        mchid: input.mchid,
        serialNo,
        privateKey: input.privateKey,
        apiV3Key: input.apiV3Key,
        ...(input.publicKeyId ? { publicKeyId: input.publicKeyId, publicKey: input.publicKey } : {}),
        certificates: input.publicKeyId ? [] : mergeCertificates(previous?.certificates ?? [], downloaded, now),
        ...(input.publicKeyId ? {} : { certificatesAt: now }),
      },
      now,
    );
    this.keyring.drop(input.mchid);
  }
}

function checked<T>(parse: () => T, field: string): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof WechatPayCryptoError) throw new WxgateError(Reason.BAD_REQUEST, `${field}: ${e.message}`);
    throw e;
  }
}
