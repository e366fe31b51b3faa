import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '@wxgate/persistence';

/** An app with its own secret (tokens from `stable_token`). `secret` is sealed. */
@Entity('refresher_apps')
export class AppEntity {
  @PrimaryColumn({ type: 'text' })
  appid: string;

  @Column({ type: 'text' })
  secret: string;

  @Column({ type: 'bigint', name: 'updated_at', transformer: epochMs })
  updatedAt: number;
}
