import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { WechatPayCryptoError } from './errors.js';

/** The merchant API private key (`apiclient_key.pem`): an RSA key of at least 2048 bits, PKCS#8 or PKCS#1 PEM. */
export function parsePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new WechatPayCryptoError('BAD_KEY', 'privateKey is not a PEM private key');
  }
  assertRsa(key, 'privateKey');
  return key;
}

/** A WeChat Pay public key (`-----BEGIN PUBLIC KEY-----`) or a platform certificate (`-----BEGIN CERTIFICATE-----`). */
export function parsePublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new WechatPayCryptoError('BAD_KEY', 'publicKey is not a PEM public key or certificate');
  }
  assertRsa(key, 'publicKey');
  return key;
}

function assertRsa(key: KeyObject, name: string): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < 2048) {
    throw new WechatPayCryptoError('BAD_KEY', `${name} must be an RSA key of at least 2048 bits`);
  }
}

export function publicKeyPem(key: KeyObject): string {
  const source = key.type === 'private' ? createPublicKey(key) : key;
  return source.export({ type: 'spki', format: 'pem' }).toString();
}

export interface PlatformCertificate {
  /** Upper-case hex serial number, as WeChat Pay names it in `Wechatpay-Serial`. */
  serialNo: string;
  publicKey: KeyObject;
  effectiveAt: number;
  expiresAt: number;
}

export function parsePlatformCertificate(pem: string): PlatformCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new WechatPayCryptoError('BAD_CERTIFICATE', 'not a PEM X.509 certificate');
  }
  assertRsa(cert.publicKey, 'certificate key');
  return {
    serialNo: normaliseSerial(cert.serialNumber),
    publicKey: cert.publicKey,
    effectiveAt: Date.parse(cert.validFrom),
    expiresAt: Date.parse(cert.validTo),
  };
}

/** Node prints a serial's DER bytes, so a leading zero byte may appear; WeChat Pay's serials have none. */
export function normaliseSerial(serial: string): string {
  return serial.toUpperCase().replace(/^(00)+(?=[0-9A-F])/, '');
}
