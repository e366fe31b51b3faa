import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowLock } from '../database/row-lock.js';
import { EnvironmentEntity } from '../environments/environment.entity.js';
import { bumpRevision } from '../revision/policy-revision.js';
import { ShareEntity } from './share.entity.js';

/** `undefined` = no such environment; `false` = nothing to do. */
@Injectable()
export class ShareRepository {
  constructor(private readonly dataSource: DataSource) {}

  add(envId: string, appid: string, now: number): Promise<boolean | undefined> {
    return this.dataSource.transaction(async (manager) => {
      // The shared lock keeps a concurrent env.delete from leaving an orphan share behind.
      if (!(await manager.findOne(EnvironmentEntity, { where: { envId }, lock: rowLock(manager, 'pessimistic_read') }))) return undefined;
      if (await manager.existsBy(ShareEntity, { envId, appid })) return false;
      await manager.createQueryBuilder().insert().into(ShareEntity).values({ envId, appid, addedAt: now }).orIgnore().execute();
      await bumpRevision(manager);
      return true;
    });
  }

  remove(envId: string, appid: string): Promise<boolean | undefined> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(EnvironmentEntity, { envId }))) return undefined;
      const result = await manager.delete(ShareEntity, { envId, appid });
      const removed = (result.affected ?? 0) > 0;
      if (removed) await bumpRevision(manager);
      return removed;
    });
  }
}
