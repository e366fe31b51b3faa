import { Injectable } from '@nestjs/common';
import { Clock } from '@wxgate/platform';
import { ofExistingEnv } from '../model/env-not-found.js';
import { PolicyChanges } from '../model/policy-changes.js';
import { ShareRepository } from './share.repository.js';

/** Shares an environment with an appid; sharing it again is a no-op. */
@Injectable()
export class AddShare {
  constructor(
    private readonly shares: ShareRepository,
    private readonly changes: PolicyChanges,
    private readonly clock: Clock,
  ) {}

  async execute(envId: string, appid: string): Promise<void> {
    const added = ofExistingEnv(envId, await this.shares.add(envId, appid, this.clock.now()));
    if (added) await this.changes.envChanged(envId);
  }
}
