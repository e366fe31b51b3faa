import { Injectable } from '@nestjs/common';
import { ofExistingEnv } from '../model/env-not-found.js';
import { PolicyChanges } from '../model/policy-changes.js';
import { MerchantBindingRepository } from './merchant-binding.repository.js';

/** `merchant.unbind`: the environment's WeChat Pay calls may no longer be signed by the merchant; unbinding it again is a no-op. */
@Injectable()
export class UnbindMerchant {
  constructor(
    private readonly bindings: MerchantBindingRepository,
    private readonly changes: PolicyChanges,
  ) {}

  async execute(envId: string, mchid: string): Promise<void> {
    if (ofExistingEnv(envId, await this.bindings.unbind(envId, mchid))) await this.changes.envChanged(envId);
  }
}
