import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowLock } from '../database/row-lock.js';
import { EnvironmentEntity } from '../environments/environment.entity.js';
import { CallerEntity } from './caller.entity.js';

/** `undefined` = no such environment. */
@Injectable()
export class CallerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** `false` when the environment already has a caller of that name (nothing is changed). */
  add(caller: CallerEntity): Promise<boolean | undefined> {
    return this.dataSource.transaction(async (manager) => {
      // The shared lock keeps a concurrent env.delete from leaving an orphan caller behind.
      if (!(await manager.findOne(EnvironmentEntity, { where: { envId: caller.envId }, lock: rowLock(manager, 'pessimistic_read') }))) return undefined;
      if (await manager.existsBy(CallerEntity, { envId: caller.envId, name: caller.name })) return false;
      await manager.createQueryBuilder().insert().into(CallerEntity).values(caller).orIgnore().execute();
      // A concurrent add of the same name may have won: the secret is random, so equal hashes mean this one did.
      const stored = await manager.findOneBy(CallerEntity, { envId: caller.envId, name: caller.name });
      return stored?.secretHash === caller.secretHash;
    });
  }

  /** `false` when there was no such caller. */
  remove(envId: string, name: string): Promise<boolean | undefined> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(EnvironmentEntity, { envId }))) return undefined;
      const result = await manager.delete(CallerEntity, { envId, name });
      return (result.affected ?? 0) > 0;
    });
  }

  async list(envId: string): Promise<CallerEntity[] | undefined> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await manager.existsBy(EnvironmentEntity, { envId }))) return undefined;
      return manager.find(CallerEntity, { where: { envId }, order: { name: 'ASC' } });
    });
  }

  /** Every caller of the environment (none for an unknown one). */
  byEnv(envId: string): Promise<CallerEntity[]> {
    return this.dataSource.getRepository(CallerEntity).findBy({ envId });
  }
}
