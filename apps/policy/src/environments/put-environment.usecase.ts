import { Injectable } from '@nestjs/common';
import type { EnvPutRequest } from '@wxgate/contracts';
import { Clock } from '@wxgate/platform';
import { PolicyChanges } from '../model/policy-changes.js';
import { EnvironmentRepository } from './environment.repository.js';

/** Creates an environment, or gives an existing one a new owner (its allowlist and shares stay). */
@Injectable()
export class PutEnvironment {
  constructor(
    private readonly environments: EnvironmentRepository,
    private readonly changes: PolicyChanges,
    private readonly clock: Clock,
  ) {}

  async execute(request: EnvPutRequest): Promise<void> {
    const changed = await this.environments.put({ envId: request.envId, ownerAppid: request.ownerAppid, ownerKind: request.ownerKind }, this.clock.now());
    if (changed) await this.changes.envChanged(request.envId);
  }
}
