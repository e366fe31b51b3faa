import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '@wxgate/persistence';
import type { OwnerKind } from '../model/policy-model.js';

@Entity('policy_environments')
export class EnvironmentEntity {
  @PrimaryColumn({ name: 'env_id', type: 'text' })
  envId: string;

  @Column({ name: 'owner_appid', type: 'text' })
  ownerAppid: string;

  @Column({ name: 'owner_kind', type: 'text' })
  ownerKind: OwnerKind;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;
}
