import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '@wxgate/persistence';

/** One allowlisted path of one environment, stored exactly as given (matching is exact). */
@Entity('policy_allowlist_paths')
export class AllowlistPathEntity {
  @PrimaryColumn({ name: 'env_id', type: 'text' })
  envId: string;

  @PrimaryColumn({ name: 'path', type: 'text' })
  path: string;

  @Column({ name: 'added_at', type: 'bigint', transformer: epochMs })
  addedAt: number;
}
