import { Injectable } from '@nestjs/common';
import { Clock } from '@wxgate/platform';
import { ofExistingEnv } from '../model/env-not-found.js';
import { PolicyChanges } from '../model/policy-changes.js';
import { AllowlistRepository } from './allowlist.repository.js';

/** Adds paths (already validated, stored exactly as given); adding a listed path is a no-op. */
@Injectable()
export class AddAllowlistPaths {
  constructor(
    private readonly allowlist: AllowlistRepository,
    private readonly changes: PolicyChanges,
    private readonly clock: Clock,
  ) {}

  async execute(envId: string, paths: string[]): Promise<void> {
    const added = ofExistingEnv(envId, await this.allowlist.add(envId, paths, this.clock.now()));
    if (added.length > 0) await this.changes.envChanged(envId);
  }
}
