import { Injectable } from '@nestjs/common';
import { Reason, WxgateError } from '@wxgate/contracts';
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
    const removed = await this.callers.remove(envId, name);
    if (removed === undefined) throw new WxgateError(Reason.ENV_NOT_FOUND, `no environment ${envId}`);
    if (removed) await this.changes.announce([envId]);
  }
}
