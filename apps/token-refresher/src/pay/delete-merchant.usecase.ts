import { Injectable } from '@nestjs/common';
import { Reason, WxgateError } from '@wxgate/contracts';
import { MerchantRepository } from '../persistence/merchant.repository.js';
import { MerchantKeyring } from './merchant-keyring.js';

/** `merchant.delete`: the merchant's keys go, and this process stops signing with them at once. */
@Injectable()
export class DeleteMerchant {
  constructor(
    private readonly merchants: MerchantRepository,
    private readonly keyring: MerchantKeyring,
  ) {}

  async execute(mchid: string): Promise<void> {
    if (!(await this.merchants.delete(mchid))) throw new WxgateError(Reason.CREDENTIAL_NOT_FOUND, `no merchant ${mchid}`);
    this.keyring.drop(mchid);
  }
}
