import { Injectable } from '@nestjs/common';
import { Reason, WxgateError, type PayKey } from '@wxgate/contracts';
import { parsePrivateKey, parsePublicKey, publicKeyPem, type MerchantSigner } from '@wxgate/wechatpay';
import type { KeyObject } from 'node:crypto';
import { Clock } from '@wxgate/platform';
import { MerchantRepository, type Merchant } from '../persistence/merchant.repository.js';

/** A merchant's keys, parsed once. */
export interface MerchantKeys {
  signer: MerchantSigner;
  apiV3Key: string;
  certificateMode: boolean;
  /** WeChat Pay's verification keys by `Wechatpay-Serial`. */
  verification: Map<string, KeyObject>;
  published: PayKey[];
}

/**
 * Other replicas change merchants too (put, certificate refresh); an entry older than this is read
 * again, so a change reaches every replica within it without a broadcast.
 */
const RECHECK_MS = 5_000;

/** Opened and parsed merchant keys, cached briefly so signing costs no database read or PEM parse. */
@Injectable()
export class MerchantKeyring {
  readonly #cache = new Map<string, { keys: MerchantKeys; at: number }>();

  constructor(
    private readonly merchants: MerchantRepository,
    private readonly clock: Clock,
  ) {}

  async get(mchid: string): Promise<MerchantKeys> {
    const hit = this.#cache.get(mchid);
    if (hit && this.clock.now() - hit.at < RECHECK_MS) return hit.keys;
    const merchant = await this.merchants.get(mchid);
    if (!merchant) {
      this.#cache.delete(mchid);
      throw new WxgateError(Reason.CREDENTIAL_NOT_FOUND, `no merchant ${mchid}`);
    }
    const keys = keysOf(merchant, this.clock.now());
    this.#cache.set(mchid, { keys, at: this.clock.now() });
    return keys;
  }

  drop(mchid: string): void {
    this.#cache.delete(mchid);
  }
}

export function keysOf(merchant: Merchant, now: number): MerchantKeys {
  const verification = new Map<string, KeyObject>();
  if (merchant.publicKeyId && merchant.publicKey) verification.set(merchant.publicKeyId, parsePublicKey(merchant.publicKey));
  for (const cert of merchant.certificates) {
    if (cert.expiresAt > now) verification.set(cert.serialNo, parsePublicKey(cert.pem));
  }
  return {
    signer: { mchid: merchant.mchid, serialNo: merchant.serialNo, privateKey: parsePrivateKey(merchant.privateKey) },
    apiV3Key: merchant.apiV3Key,
    certificateMode: !merchant.publicKeyId,
    verification,
    published: [...verification].map(([id, key]) => ({ id, publicKey: publicKeyPem(key) })),
  };
}
