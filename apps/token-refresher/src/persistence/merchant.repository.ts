import { Injectable } from '@nestjs/common';
import { DataSource, LessThan, type Repository } from 'typeorm';
import { SecretBox } from '../secrets/secret-box.js';
import { MerchantEntity } from './entities/merchant.entity.js';
import { PayNotificationEntity } from './entities/pay-notification.entity.js';

export interface StoredCertificate {
  serialNo: string;
  pem: string;
  effectiveAt: number;
  expiresAt: number;
  /** When a download last listed it; a certificate no longer listed is kept for the rotation overlap. */
  seenAt: number;
}

export interface Merchant {
  mchid: string;
  serialNo: string;
  privateKey: string;
  apiV3Key: string;
  publicKeyId?: string;
  publicKey?: string;
  certificates: StoredCertificate[];
  certificatesAt?: number;
  certificateFailures: number;
  updatedAt: number;
}

export type MerchantInput = Omit<Merchant, 'certificateFailures' | 'updatedAt' | 'certificatesAt'> & { certificatesAt?: number };

/** WeChat Pay merchants, their private key and APIv3 key sealed with the master key on the way in. */
@Injectable()
export class MerchantRepository {
  readonly #merchants: Repository<MerchantEntity>;
  readonly #notifications: Repository<PayNotificationEntity>;

  constructor(
    dataSource: DataSource,
    private readonly box: SecretBox,
  ) {
    this.#merchants = dataSource.getRepository(MerchantEntity);
    this.#notifications = dataSource.getRepository(PayNotificationEntity);
  }

  async put(input: MerchantInput, now: number): Promise<void> {
    await this.#merchants.upsert(
      {
        mchid: input.mchid,
        serialNo: input.serialNo,
        privateKey: this.box.seal(input.privateKey, `merchant:${input.mchid}:private_key`),
        apiV3Key: this.box.seal(input.apiV3Key, `merchant:${input.mchid}:api_v3_key`),
        publicKeyId: input.publicKeyId ?? null,
        publicKey: input.publicKey ?? null,
        certificates: input.certificates.length > 0 ? JSON.stringify(input.certificates) : null,
        certificatesAt: input.certificatesAt ?? null,
        certificateFailures: 0,
        updatedAt: now,
      },
      ['mchid'],
    );
  }

  async get(mchid: string): Promise<Merchant | undefined> {
    const row = await this.#merchants.findOneBy({ mchid });
    return row ? this.#open(row) : undefined;
  }

  /** Without opening secrets: what `credentials.list` and the certificate refresher need. */
  async summaries(): Promise<{ mchid: string; certificateMode: boolean; certificatesAt?: number; certificateFailures: number; hasCertificates: boolean }[]> {
    const rows = await this.#merchants.find({ order: { mchid: 'ASC' } });
    return rows.map((r) => ({
      mchid: r.mchid,
      certificateMode: r.publicKeyId === null,
      ...(r.certificatesAt !== null ? { certificatesAt: r.certificatesAt } : {}),
      certificateFailures: r.certificateFailures,
      hasCertificates: r.certificates !== null,
    }));
  }

  async saveCertificates(mchid: string, certificates: StoredCertificate[], now: number): Promise<void> {
    await this.#merchants.update({ mchid }, { certificates: JSON.stringify(certificates), certificatesAt: now, certificateFailures: 0, updatedAt: now });
  }

  async recordCertificateFailure(mchid: string): Promise<void> {
    await this.#merchants.increment({ mchid }, 'certificateFailures', 1);
  }

  async delete(mchid: string): Promise<boolean> {
    const result = await this.#merchants.delete({ mchid });
    return (result.affected ?? 0) > 0;
  }

  async notificationSeen(id: string): Promise<boolean> {
    return this.#notifications.existsBy({ id });
  }

  async recordNotification(id: string, mchid: string, now: number): Promise<void> {
    await this.#notifications.upsert({ id, mchid, publishedAt: now }, ['id']);
  }

  async forgetNotificationsBefore(cutoff: number): Promise<void> {
    await this.#notifications.delete({ publishedAt: LessThan(cutoff) });
  }

  #open(row: MerchantEntity): Merchant {
    return {
      mchid: row.mchid,
      serialNo: row.serialNo,
      privateKey: this.box.open(row.privateKey, `merchant:${row.mchid}:private_key`),
      apiV3Key: this.box.open(row.apiV3Key, `merchant:${row.mchid}:api_v3_key`),
      ...(row.publicKeyId !== null ? { publicKeyId: row.publicKeyId } : {}),
      ...(row.publicKey !== null ? { publicKey: row.publicKey } : {}),
      certificates: row.certificates ? (JSON.parse(row.certificates) as StoredCertificate[]) : [],
      ...(row.certificatesAt !== null ? { certificatesAt: row.certificatesAt } : {}),
      certificateFailures: row.certificateFailures,
      updatedAt: row.updatedAt,
    };
  }
}
