import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '@wxgate/persistence';

/**
 * A WeChat Pay merchant. `private_key` and `api_v3_key` are sealed; the WeChat Pay public key and
 * the platform certificates are public and kept as they are. `certificates` is a JSON list of
 * `{serialNo, pem, effectiveAt, expiresAt}` (certificate mode only).
 */
@Entity('refresher_merchants')
export class MerchantEntity {
  @PrimaryColumn({ type: 'text' })
  mchid: string;

  @Column({ type: 'text', name: 'serial_no' })
  serialNo: string;

  @Column({ type: 'text', name: 'private_key' })
  privateKey: string;

  @Column({ type: 'text', name: 'api_v3_key' })
  apiV3Key: string;

  @Column({ type: 'text', name: 'public_key_id', nullable: true })
  publicKeyId: string | null;

  @Column({ type: 'text', name: 'public_key', nullable: true })
  publicKey: string | null;

  @Column({ type: 'text', nullable: true })
  certificates: string | null;

  @Column({ type: 'bigint', name: 'certificates_at', nullable: true, transformer: epochMs })
  certificatesAt: number | null;

  /** Consecutive failed certificate downloads (0 = the last one worked). */
  @Column({ type: 'integer', name: 'certificate_failures', default: 0 })
  certificateFailures: number;

  @Column({ type: 'bigint', name: 'updated_at', transformer: epochMs })
  updatedAt: number;
}
