import { Injectable } from '@nestjs/common';
import { type EnvDetail } from '@wxgate/contracts';
import { ofExistingEnv } from '../model/env-not-found.js';
import { PolicyModelLoader } from '../model/policy-model-loader.js';

/**
 * An environment with its allowlist and shares, read from the database (not the model), so an
 * admin sees a change made through another replica at once.
 */
@Injectable()
export class GetEnvironment {
  constructor(private readonly loader: PolicyModelLoader) {}

  async execute(envId: string): Promise<EnvDetail> {
    const env = ofExistingEnv(envId, await this.loader.loadEnv(envId));
    const mchids = [...(env.merchants ?? [])].sort();
    return {
      envId: env.envId,
      ownerAppid: env.ownerAppid,
      ownerKind: env.ownerKind,
      paths: [...env.paths].sort(),
      appids: [...env.shares].sort(),
      ...(mchids.length > 0 ? { mchids } : {}),
    };
  }
}
