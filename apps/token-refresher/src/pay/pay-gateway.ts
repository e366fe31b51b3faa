import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@wxgate/platform';
import { WechatPayApiClient, type DownloadedCertificate, type MerchantSigner } from '@wxgate/wechatpay';
import type { RefresherConfig } from '../config.js';

/** The WeChat Pay calls the refresher makes itself (platform certificates); tests point WECHATPAY_API_BASE at the sandbox. */
@Injectable()
export class PayGateway implements OnApplicationShutdown {
  readonly #client: WechatPayApiClient;

  constructor(@Inject(APP_CONFIG) config: RefresherConfig) {
    this.#client = new WechatPayApiClient({
      baseUrl: config.WECHATPAY_API_BASE,
      backupUrl: config.WECHATPAY_API_BACKUP || undefined,
      timeoutMs: Math.min(config.UPSTREAM_TIMEOUT_MS, 10_000),
    });
  }

  downloadCertificates(signer: MerchantSigner, apiV3Key: string): Promise<DownloadedCertificate[]> {
    return this.#client.downloadCertificates(signer, apiV3Key);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.#client.close().catch(() => undefined);
  }
}
