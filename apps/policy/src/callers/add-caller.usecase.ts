import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CALLER_SECRET_PREFIX, callerSecretHash, Reason, WxgateError, type CallerAddReply } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { ofExistingEnv } from '../model/env-not-found.js';
import { PolicyChanges } from '../model/policy-changes.js';
import { CallerRepository } from './caller.repository.js';

/** 256 random bits: far beyond guessing, so a fast hash is enough to store it (docs/callers.md). */
const SECRET_BYTES = 32;

/**
 * Issues a caller credential for an environment. The secret is in this reply only; the database
 * keeps its hash. An existing name is refused rather than silently re-keyed: rotating is adding a
 * second name, moving the caller over, and removing the first, so no caller is cut off mid-change.
 */
@Injectable()
export class AddCaller {
  constructor(
    private readonly callers: CallerRepository,
    private readonly changes: PolicyChanges,
    private readonly clock: Clock,
  ) {}

  async execute(envId: string, name: string): Promise<CallerAddReply> {
    const secret = `${CALLER_SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64url')}`;
    const added = ofExistingEnv(envId, await this.callers.add({ envId, name, secretHash: callerSecretHash(secret), addedAt: this.clock.now() }));
    if (!added) throw new WxgateError(Reason.BAD_REQUEST, `name ${name} is already a caller of ${envId} (remove it first, or add another name to rotate)`);
    await this.changes.announce([envId]);
    return { name, secret };
  }
}
