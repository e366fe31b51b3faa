import { Injectable } from '@nestjs/common';
import { type CallerHashesReply, type CallerListReply } from '@wxgate/contracts';
import { ofExistingEnv } from '../model/env-not-found.js';
import { CallerRepository } from './caller.repository.js';

/** The callers of an environment for an admin: names and when they were added, never a hash. */
@Injectable()
export class ListCallers {
  constructor(private readonly callers: CallerRepository) {}

  async execute(envId: string): Promise<CallerListReply> {
    const rows = ofExistingEnv(envId, await this.callers.list(envId));
    return { callers: rows.map((row) => ({ name: row.name, addedAt: row.addedAt })) };
  }
}

/**
 * What a forwarder verifies callers against, read from the database rather than the in-memory
 * model: a forwarder asks right after hearing `policy.changed`, possibly of a replica that has not
 * reloaded yet, and must not cache a revoked caller again.
 */
@Injectable()
export class GetCallerHashes {
  constructor(private readonly callers: CallerRepository) {}

  async execute(envId: string): Promise<CallerHashesReply> {
    const rows = await this.callers.byEnv(envId);
    return { callers: rows.map((row) => ({ name: row.name, secretHash: row.secretHash })) };
  }
}
