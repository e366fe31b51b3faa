import { Injectable } from '@nestjs/common';
import { Subjects, type EnvDetail, type EnvListReply } from '@wxgate/contracts';
import { AdminClient } from './admin-client.js';

export interface EnvironmentView extends EnvDetail {
  /** Bound WeChat Pay merchants; `undefined` while no service answers `wxgate.admin.merchant.bindings`. */
  mchids?: string[];
}

/** An environment as the console shows it: owner, allowlist, shares and (when served) merchants. */
@Injectable()
export class ReadEnvironment {
  constructor(private readonly admin: AdminClient) {}

  list(): Promise<EnvListReply> {
    return this.admin.request<EnvListReply>(Subjects.admin.envList, {});
  }

  async execute(envId: string): Promise<EnvironmentView> {
    const [env, merchants] = await Promise.all([
      this.admin.request<EnvDetail & { mchids?: string[] }>(Subjects.admin.envGet, { envId }),
      this.admin.optional<{ mchids?: string[] }>(Subjects.admin.merchantBindings, { envId }).catch(() => undefined),
    ]);
    const mchids = Array.isArray(merchants?.mchids) ? merchants.mchids : Array.isArray(env.mchids) ? env.mchids : undefined;
    return { ...env, paths: [...env.paths].sort(), appids: [...env.appids].sort(), mchids };
  }
}
