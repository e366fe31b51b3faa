import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '@wxgate/platform';
import { MerchantRepository } from '../persistence/merchant.repository.js';
import { RefreshCertificates } from './refresh-certificates.usecase.js';

/** WeChat Pay's SDKs re-download platform certificates every 12 hours; a failed download is retried hourly. */
export const CERTIFICATE_REFRESH_MS = 12 * 3600 * 1000;
const CHECK_EVERY_MS = 60 * 60 * 1000;
const RETRY_AFTER_FAILURE_MS = 60 * 60 * 1000;

/**
 * Keeps certificate-mode merchants' platform certificates current. Every replica checks; a
 * download is idempotent and rare (twice a day per merchant), so no lease is taken.
 */
@Injectable()
export class CertificateRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PayCertificates');
  #timer?: NodeJS.Timeout;

  constructor(
    private readonly merchants: MerchantRepository,
    private readonly refresh: RefreshCertificates,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.#timer = setInterval(() => void this.sweep(), CHECK_EVERY_MS);
    this.#timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.#timer);
  }

  async sweep(): Promise<void> {
    const now = this.clock.now();
    for (const m of await this.merchants.summaries().catch(() => [])) {
      if (!m.certificateMode) continue;
      const due = m.certificateFailures > 0 ? RETRY_AFTER_FAILURE_MS : CERTIFICATE_REFRESH_MS;
      if (m.certificatesAt !== undefined && now - m.certificatesAt < due) continue;
      await this.refresh.execute(m.mchid).catch((e: unknown) => this.logger.warn(`certificate refresh of ${m.mchid} failed: ${(e as Error).message}`));
    }
    await this.merchants.forgetNotificationsBefore(now - 48 * 3600 * 1000).catch(() => undefined);
  }
}
