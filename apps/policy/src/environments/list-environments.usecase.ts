import { Injectable } from '@nestjs/common';
import type { EnvListReply } from '@wxgate/contracts';
import { EnvironmentRepository } from './environment.repository.js';

@Injectable()
export class ListEnvironments {
  constructor(private readonly environments: EnvironmentRepository) {}

  async execute(): Promise<EnvListReply> {
    return { envs: await this.environments.list() };
  }
}
