import { Injectable } from '@nestjs/common';
import type { PayKeysReply } from '@wxgate/contracts';
import { MerchantKeyring } from './merchant-keyring.js';
import { RefreshCertificates } from './refresh-certificates.usecase.js';

/** `pay.keys`: WeChat Pay's public verification keys; `refresh` first re-downloads platform certificates. */
@Injectable()
export class GetPayKeys {
  constructor(
    private readonly keyring: MerchantKeyring,
    private readonly refresh: RefreshCertificates,
  ) {}

  async execute(mchid: string, opts: { refresh?: boolean }): Promise<PayKeysReply> {
    const keys = await this.keyring.get(mchid);
    if (opts.refresh && keys.certificateMode) {
      await this.refresh.execute(mchid, { onDemand: true });
      return { keys: (await this.keyring.get(mchid)).published };
    }
    return { keys: keys.published };
  }
}
