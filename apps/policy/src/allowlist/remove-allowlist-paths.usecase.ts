import { Injectable } from '@nestjs/common';
import { ofExistingEnv } from '../model/env-not-found.js';
import { PolicyChanges } from '../model/policy-changes.js';
import { AllowlistRepository } from './allowlist.repository.js';

/** Removes paths; removing one that is not listed is not an error (docs/nats-interface.md). */
@Injectable()
export class RemoveAllowlistPaths {
  constructor(
    private readonly allowlist: AllowlistRepository,
    private readonly changes: PolicyChanges,
  ) {}

  async execute(envId: string, paths: string[]): Promise<void> {
    const removed = ofExistingEnv(envId, await this.allowlist.remove(envId, paths));
    if (removed > 0) await this.changes.envChanged(envId);
  }
}
