import { Injectable } from '@nestjs/common';
import { ofExistingEnv } from '../model/env-not-found.js';
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
    const removed = ofExistingEnv(envId, await this.shares.remove(envId, appid));
    if (removed) await this.changes.envChanged(envId);
  }
}
