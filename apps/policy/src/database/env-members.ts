import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { EnvironmentEntity } from '../environments/environment.entity.js';
import { bumpRevision } from '../revision/policy-revision.js';
import { rowLock } from './row-lock.js';

/**
 * Adds a row that belongs to an environment (a share, a bound merchant): `undefined` = no such
 * environment, `false` = already there. The shared lock keeps a concurrent env.delete from
 * leaving an orphan row behind. Every effective change gets the next policy revision.
 */
export function addEnvMember<T extends ObjectLiteral & { envId: string }>(dataSource: DataSource, entity: EntityTarget<T>, row: T): Promise<boolean | undefined> {
  return dataSource.transaction(async (manager) => {
    if (!(await manager.findOne(EnvironmentEntity, { where: { envId: row.envId }, lock: rowLock(manager, 'pessimistic_read') }))) return undefined;
    const { addedAt: _a, boundAt: _b, ...key } = row as Record<string, unknown>;
    if (await manager.existsBy(entity, key as never)) return false;
    await manager.createQueryBuilder().insert().into(entity).values(row as never).orIgnore().execute();
    await bumpRevision(manager);
    return true;
  });
}

/** Removes such a row: `undefined` = no such environment, `false` = it was not there. */
export function removeEnvMember<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>, envId: string, key: Partial<T>): Promise<boolean | undefined> {
  return dataSource.transaction(async (manager) => {
    if (!(await manager.existsBy(EnvironmentEntity, { envId }))) return undefined;
    const result = await manager.delete(entity, { envId, ...key } as never);
    const removed = (result.affected ?? 0) > 0;
    if (removed) await bumpRevision(manager);
    return removed;
  });
}
