import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The policy's revision: one row, incremented in the same transaction as every change, so a
 * replica that read revision N before loading an environment knows its copy holds every change
 * up to N (see docs/scale-out.md, "Consistent decisions").
 */
@Entity('policy_revision')
export class PolicyRevisionEntity {
  @PrimaryColumn({ name: 'id', type: 'integer' })
  id: number;

  @Column({ name: 'revision', type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  revision: number;
}

export const REVISION_ROW = 1;
