import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '@wxgate/persistence';

/** A service allowed to call the relay of an environment (docs/callers.md); the secret is kept as its hash only. */
@Entity('policy_callers')
export class CallerEntity {
  @PrimaryColumn({ name: 'env_id', type: 'text' })
  envId: string;

  @PrimaryColumn({ name: 'name', type: 'text' })
  name: string;

  /** `callerSecretHash(secret)` (SHA-256, hex). */
  @Column({ name: 'secret_hash', type: 'text' })
  secretHash: string;

  @Column({ name: 'added_at', type: 'bigint', transformer: epochMs })
  addedAt: number;
}
