import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EnvSummary } from '@wxgate/contracts';
import { AllowlistPathEntity } from '../allowlist/allowlist-path.entity.js';
import { CallerEntity } from '../callers/caller.entity.js';
import { rowLock } from '../database/row-lock.js';
import { MerchantBindingEntity } from '../merchants/merchant-binding.entity.js';
import { bumpRevision } from '../revision/policy-revision.js';
import { ShareEntity } from '../sharing/share.entity.js';
import { EnvironmentEntity } from './environment.entity.js';

@Injectable()
export class EnvironmentRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates or re-owns an environment; `false` when it already had exactly this owner. */
  put(env: EnvSummary, now: number): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const existing = await manager.findOne(EnvironmentEntity, { where: { envId: env.envId }, lock: rowLock(manager, 'pessimistic_write') });
      if (existing && existing.ownerAppid === env.ownerAppid && existing.ownerKind === env.ownerKind) return false;
      await manager.upsert(EnvironmentEntity, { ...env, updatedAt: now }, ['envId']);
      await bumpRevision(manager);
      return true;
    });
  }

  async list(): Promise<EnvSummary[]> {
    const rows = await this.dataSource.getRepository(EnvironmentEntity).find({ order: { envId: 'ASC' } });
    return rows.map(({ envId, ownerAppid, ownerKind }) => ({ envId, ownerAppid, ownerKind }));
  }

  /** Deletes the environment with its allowlist, shares, callers and merchant bindings; `false` when there was none. */
  delete(envId: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.delete(EnvironmentEntity, { envId });
      await manager.delete(AllowlistPathEntity, { envId });
      await manager.delete(ShareEntity, { envId });
      await manager.delete(CallerEntity, { envId });
      await manager.delete(MerchantBindingEntity, { envId });
      const deleted = (result.affected ?? 0) > 0;
      if (deleted) await bumpRevision(manager);
      return deleted;
    });
  }
}
