import { Injectable } from '@nestjs/common';
import { Reason, WxgateError } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
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
    const added = await this.allowlist.add(envId, paths, this.clock.now());
    if (!added) throw new WxgateError(Reason.ENV_NOT_FOUND, `no environment ${envId}`);
    if (added.length > 0) await this.changes.envChanged(envId);
  }
}
