import { Injectable } from '@nestjs/common';
import { envNotFound } from '../model/env-not-found.js';
import { PolicyChanges } from '../model/policy-changes.js';
import { EnvironmentRepository } from './environment.repository.js';

/** Deletes an environment with its allowlist and shares; unknown → ENV_NOT_FOUND. */
@Injectable()
export class DeleteEnvironment {
  constructor(
    private readonly environments: EnvironmentRepository,
    private readonly changes: PolicyChanges,
  ) {}

  async execute(envId: string): Promise<void> {
    if (!(await this.environments.delete(envId))) throw envNotFound(envId);
    await this.changes.envChanged(envId);
  }
}
