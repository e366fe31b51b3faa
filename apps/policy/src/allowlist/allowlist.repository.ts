import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { rowLock } from '../database/row-lock.js';
import { EnvironmentEntity } from '../environments/environment.entity.js';
import { bumpRevision } from '../revision/policy-revision.js';
import { AllowlistPathEntity } from './allowlist-path.entity.js';

/** `undefined` = no such environment. */
@Injectable()
export class AllowlistRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds the paths not yet listed; resolves with those it added. */
  add(envId: string, paths: string[], now: number): Promise<string[] | undefined> {
    return this.dataSource.transaction(async (manager) => {
      // The shared lock keeps a concurrent env.delete from leaving orphan paths behind.
      if (!(await manager.findOne(EnvironmentEntity, { where: { envId }, lock: rowLock(manager, 'pessimistic_read') }))) return undefined;
      const wanted = [...new Set(paths)];
      const present = new Set((await manager.find(AllowlistPathEntity, { where: { envId, path: In(wanted) } })).map((row) => row.path));
      const added = wanted.filter((path) => !present.has(path));
      if (added.length > 0) {
        await manager
          .createQueryBuilder()
          .insert()
          .into(AllowlistPathEntity)
          .values(added.map((path) => ({ envId, path, addedAt: now })))
          .orIgnore()
          .execute();
        await bumpRevision(manager);
      }
      return added;
    });
  }

  /** Removes the listed paths that are present; resolves with how many it removed. */
  remove(envId: string, paths: string[]): Promise<number | undefined> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(EnvironmentEntity, { envId }))) return undefined;
      const result = await manager.delete(AllowlistPathEntity, { envId, path: In([...new Set(paths)]) });
      const removed = result.affected ?? 0;
      if (removed > 0) await bumpRevision(manager);
      return removed;
    });
  }
}
