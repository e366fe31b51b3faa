import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '@wxgate/persistence';

/** A third-party platform. Every text column but `appid` is sealed (AES-256-GCM). */
@Entity('refresher_components')
export class ComponentEntity {
  @PrimaryColumn({ type: 'text' })
  appid: string;

  @Column({ type: 'text' })
  secret: string;

  @Column({ type: 'text', name: 'verify_token' })
  verifyToken: string;

  @Column({ type: 'text', name: 'aes_key' })
  aesKey: string;

  @Column({ type: 'text', name: 'previous_aes_key', nullable: true })
  previousAesKey: string | null;

  @Column({ type: 'text', nullable: true })
  ticket: string | null;

  /** WeChat's CreateTime of the stored ticket, in ms: the newest ticket wins. */
  @Column({ type: 'bigint', name: 'ticket_created_at', nullable: true, transformer: epochMs })
  ticketCreatedAt: number | null;

  @Column({ type: 'bigint', name: 'push_requested_at', nullable: true, transformer: epochMs })
  pushRequestedAt: number | null;

  @Column({ type: 'bigint', name: 'updated_at', transformer: epochMs })
  updatedAt: number;
}
