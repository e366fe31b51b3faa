import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '@wxgate/persistence';

/** A WeChat Pay merchant an environment may use (see docs/wechat-pay.md). */
@Entity('policy_merchant_bindings')
export class MerchantBindingEntity {
  @PrimaryColumn({ name: 'env_id', type: 'text' })
  envId: string;

  @PrimaryColumn({ name: 'mchid', type: 'text' })
  mchid: string;

  @Column({ name: 'bound_at', type: 'bigint', transformer: epochMs })
  boundAt: number;
}
