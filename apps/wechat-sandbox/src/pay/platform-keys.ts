import { generateKeyPairSync, randomInt, type KeyObject } from 'node:crypto';
import { generate } from 'selfsigned';
import { parsePlatformCertificate, parsePrivateKey, publicKeyPem } from '@wxgate/wechatpay';

export interface PlatformCertificate {
  serialNo: string;
  pem: string;
  privateKey: KeyObject;
  effectiveAt: number;
  expiresAt: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * WeChat Pay's own signing keys: one public key (`PUB_KEY_ID_…`, the mode for merchants since 2024)
 * and a list of platform certificates (the older mode), one of which signs at a time. Rotation
 * publishes a new certificate first and lets the old one keep verifying until it is retired.
 */
export class PlatformKeys {
  readonly publicKeyId = `PUB_KEY_ID_01${String(randomInt(10 ** 9, 10 ** 10 - 1))}${String(randomInt(10 ** 9, 10 ** 10 - 1))}`;
  readonly #keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  #certificates: PlatformCertificate[] = [];
  #signing = 0;

  get publicKey(): KeyObject {
    return this.#keyPair.publicKey;
  }
  get publicKeyPem(): string {
    return publicKeyPem(this.#keyPair.publicKey);
  }
  get privateKey(): KeyObject {
    return this.#keyPair.privateKey;
  }

  async certificates(): Promise<PlatformCertificate[]> {
    if (this.#certificates.length === 0) await this.rotate(true);
    return this.#certificates;
  }

  async signingCertificate(): Promise<PlatformCertificate> {
    return (await this.certificates())[this.#signing]!;
  }

  /** Publishes a new certificate; with `activate` it signs from now on (the old ones still verify). */
  async rotate(activate: boolean): Promise<PlatformCertificate> {
    const now = Date.now();
    const made = await generate([{ name: 'commonName', value: 'Tenpay.com Root CA sandbox' }], {
      keyType: 'rsa',
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate: new Date(now - DAY_MS),
      notAfterDate: new Date(now + 5 * 365 * DAY_MS),
    });
    const parsed = parsePlatformCertificate(made.cert);
    const cert = { serialNo: parsed.serialNo, pem: made.cert, privateKey: parsePrivateKey(made.private), effectiveAt: parsed.effectiveAt, expiresAt: parsed.expiresAt };
    this.#certificates.push(cert);
    if (activate) this.#signing = this.#certificates.length - 1;
    return cert;
  }

  /** Stops listing a certificate; the signing one cannot be retired. */
  retire(serialNo: string): boolean {
    const index = this.#certificates.findIndex((c) => c.serialNo === serialNo);
    if (index < 0 || index === this.#signing) return false;
    const signing = this.#certificates[this.#signing]!;
    this.#certificates.splice(index, 1);
    this.#signing = this.#certificates.indexOf(signing);
    return true;
  }
}
