import { Injectable, Logger } from '@nestjs/common';
import { Reason, WxgateError } from '@wxgate/contracts';
import { parsePrivateKey, WechatPayApiError, WechatPayCryptoError, type DownloadedCertificate } from '@wxgate/wechatpay';
import { Clock, SingleFlight } from '@wxgate/platform';
import { MerchantRepository, type StoredCertificate } from '../persistence/merchant.repository.js';
import { MerchantKeyring } from './merchant-keyring.js';
import { PayGateway } from './pay-gateway.js';

/** A certificate WeChat Pay no longer lists still verifies this long (answers signed just before a rotation). */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;
/** On-demand refreshes (an unknown Wechatpay-Serial) are spaced at least this much per merchant. */
const ON_DEMAND_MIN_INTERVAL_MS = 30_000;

/** Merges a download into what is known: new ones added, listed ones refreshed, unlisted ones kept for the overlap. */
export function mergeCertificates(known: StoredCertificate[], downloaded: DownloadedCertificate[], now: number): StoredCertificate[] {
  const fresh = downloaded.map((c) => ({ serialNo: c.serialNo, pem: c.pem, effectiveAt: c.effectiveAt, expiresAt: c.expiresAt, seenAt: now }));
  const listed = new Set(fresh.map((c) => c.serialNo));
  const kept = known.filter((c) => !listed.has(c.serialNo) && now - c.seenAt < ROTATION_OVERLAP_MS && c.expiresAt > now);
  return [...fresh, ...kept];
}

/** What went wrong with a download, as a reasoned error that names no key. */
export function certificateDownloadError(e: unknown): WxgateError {
  if (e instanceof WechatPayCryptoError) {
    return new WxgateError(Reason.BAD_REQUEST, 'the platform certificates do not decrypt with this apiV3Key');
  }
  if (e instanceof WechatPayApiError) {
    if (e.status === 401) return new WxgateError(Reason.BAD_REQUEST, 'WeChat Pay refused the signature: serialNo or privateKey do not belong to this mchid');
    return new WxgateError(Reason.UPSTREAM_UNREACHABLE, `could not download the platform certificates: ${e.message}`);
  }
  throw e;
}

/** Downloads a certificate-mode merchant's platform certificates and stores the merged set. */
@Injectable()
export class RefreshCertificates {
  private readonly logger = new Logger('PayCertificates');
  readonly #flights = new SingleFlight<string, void>();
  readonly #lastOnDemand = new Map<string, number>();

  constructor(
    private readonly merchants: MerchantRepository,
    private readonly gateway: PayGateway,
    private readonly keyring: MerchantKeyring,
    private readonly clock: Clock,
  ) {}

  /**
   * Concurrent refreshes of one merchant share one download. `onDemand` (an unknown
   * Wechatpay-Serial, a `pay.keys` refresh): at most once per interval per merchant, so forged
   * serials cannot hammer WeChat Pay, and a failure is logged instead of thrown.
   */
  async execute(mchid: string, opts: { onDemand?: boolean } = {}): Promise<void> {
    if (!opts.onDemand) return this.#flights.run(mchid, () => this.#refresh(mchid));
    const now = this.clock.now();
    if (now - (this.#lastOnDemand.get(mchid) ?? 0) < ON_DEMAND_MIN_INTERVAL_MS) return;
    this.#lastOnDemand.set(mchid, now);
    await this.#flights.run(mchid, () => this.#refresh(mchid)).catch((e: unknown) => this.logger.warn(`on-demand certificate refresh of ${mchid} failed: ${(e as Error).message}`));
  }

  async #refresh(mchid: string): Promise<void> {
    const merchant = await this.merchants.get(mchid);
    if (!merchant || merchant.publicKeyId) return;
    let downloaded: DownloadedCertificate[];
    try {
      downloaded = await this.gateway.downloadCertificates(
        { mchid, serialNo: merchant.serialNo, privateKey: parsePrivateKey(merchant.privateKey) },
        merchant.apiV3Key,
      );
    } catch (e) {
      await this.merchants.recordCertificateFailure(mchid);
      throw certificateDownloadError(e);
    }
    const now = this.clock.now();
    const merged = mergeCertificates(merchant.certificates, downloaded, now);
    await this.merchants.saveCertificates(mchid, merged, now);
    this.keyring.drop(mchid);
    const added = merged.filter((c) => !merchant.certificates.some((k) => k.serialNo === c.serialNo)).map((c) => c.serialNo);
    if (added.length > 0) this.logger.log(`merchant ${mchid}: new platform certificate(s) ${added.join(', ')}`);
  }
}
