import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '@wxgate/persistence';

/**
 * A WeChat Pay notification already published. WeChat Pay re-sends the same `id` for up to a day,
 * far past JetStream's 2-minute duplicate window, so published ids are remembered here (48 h).
 */
@Entity('refresher_pay_notifications')
export class PayNotificationEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  mchid: string;

  @Column({ type: 'bigint', name: 'published_at', transformer: epochMs })
  publishedAt: number;
}
