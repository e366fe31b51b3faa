import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '@wxgate/persistence';

/** An appid an environment is shared with (docs/nats-interface.md rules 3 and 4). */
@Entity('policy_shares')
export class ShareEntity {
  @PrimaryColumn({ name: 'env_id', type: 'text' })
  envId: string;

  @PrimaryColumn({ name: 'appid', type: 'text' })
  appid: string;

  @Column({ name: 'added_at', type: 'bigint', transformer: epochMs })
  addedAt: number;
}
