import { Injectable } from '@nestjs/common';
import { Clock } from '@wxgate/platform';
import { ofExistingEnv } from '../model/env-not-found.js';
import { PolicyChanges } from '../model/policy-changes.js';
import { MerchantBindingRepository } from './merchant-binding.repository.js';

/** `merchant.bind`: a merchant an environment's WeChat Pay calls may be signed by; binding it again is a no-op. */
@Injectable()
export class BindMerchant {
  constructor(
    private readonly bindings: MerchantBindingRepository,
    private readonly changes: PolicyChanges,
    private readonly clock: Clock,
  ) {}

  async execute(envId: string, mchid: string): Promise<void> {
    if (ofExistingEnv(envId, await this.bindings.bind(envId, mchid, this.clock.now()))) await this.changes.envChanged(envId);
  }
}
