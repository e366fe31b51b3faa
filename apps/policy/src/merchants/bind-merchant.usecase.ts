import { Injectable } from '@nestjs/common';
import { Reason, WxgateError } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { PolicyChanges } from '../model/policy-changes.js';
import { MerchantBindingRepository } from './merchant-binding.repository.js';

/** `merchant.bind` / `.unbind`: which merchants an environment's WeChat Pay calls may be signed by; repeating either is a no-op. */
@Injectable()
export class BindMerchant {
  constructor(
    private readonly bindings: MerchantBindingRepository,
    private readonly changes: PolicyChanges,
    private readonly clock: Clock,
  ) {}

  async bind(envId: string, mchid: string): Promise<void> {
    await this.apply(envId, await this.bindings.bind(envId, mchid, this.clock.now()));
  }

  async unbind(envId: string, mchid: string): Promise<void> {
    await this.apply(envId, await this.bindings.unbind(envId, mchid));
  }

  private async apply(envId: string, changed: boolean | undefined): Promise<void> {
    if (changed === undefined) throw new WxgateError(Reason.ENV_NOT_FOUND, `no environment ${envId}`);
    if (changed) await this.changes.envChanged(envId);
  }
}
