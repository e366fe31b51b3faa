import { Injectable } from '@nestjs/common';
import { Reason, WxgateError } from '@wxgate/contracts';
import { PolicyChanges } from '../model/policy-changes.js';
import { ShareRepository } from './share.repository.js';

/** Stops sharing an environment with an appid; one it was not shared with is not an error. */
@Injectable()
export class RemoveShare {
  constructor(
    private readonly shares: ShareRepository,
    private readonly changes: PolicyChanges,
  ) {}

  async execute(envId: string, appid: string): Promise<void> {
    const removed = await this.shares.remove(envId, appid);
    if (removed === undefined) throw new WxgateError(Reason.ENV_NOT_FOUND, `no environment ${envId}`);
    if (removed) await this.changes.envChanged(envId);
  }
}
