import { Injectable } from '@nestjs/common';
import { ofExistingEnv } from '../model/env-not-found.js';
import { PolicyChanges } from '../model/policy-changes.js';
import { CallerRepository } from './caller.repository.js';

/**
 * Revokes a caller: every forwarder of the environment stops accepting it when it hears the
 * `policy.changed` that follows the commit. One that is not there is not an error.
 */
@Injectable()
export class RemoveCaller {
  constructor(
    private readonly callers: CallerRepository,
    private readonly changes: PolicyChanges,
  ) {}

  async execute(envId: string, name: string): Promise<void> {
    const removed = ofExistingEnv(envId, await this.callers.remove(envId, name));
    if (removed) await this.changes.announce([envId]);
  }
}
