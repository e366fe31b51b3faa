import type { DataSource, EntityManager } from 'typeorm';
import { PolicyRevisionEntity, REVISION_ROW } from './policy-revision.entity.js';

/** Inside a change's transaction: the change gets the next revision (the row lock orders concurrent changes). */
export async function bumpRevision(manager: EntityManager): Promise<void> {
  await manager.increment(PolicyRevisionEntity, { id: REVISION_ROW }, 'revision', 1);
}

/** The latest committed revision. */
export async function readRevision(db: DataSource | EntityManager): Promise<number> {
  const row = await db.getRepository(PolicyRevisionEntity).findOneBy({ id: REVISION_ROW });
  return row?.revision ?? 0;
}
