import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { WechatPayCryptoError } from './errors.js';

export const AEAD_AES_256_GCM = 'AEAD_AES_256_GCM';
const TAG_BYTES = 16;

/** The `resource` of a notification and the `encrypt_certificate` of `/v3/certificates`. */
export interface EncryptedResource {
  algorithm: string;
  ciphertext: string;
  nonce: string;
  associated_data?: string;
  original_type?: string;
}

/** The APIv3 key is 32 ASCII characters whose bytes are the AES-256 key as they are (not base64). */
export function apiV3KeyBytes(apiV3Key: string): Buffer {
  if (!/^[\x21-\x7e]{32}$/.test(apiV3Key)) throw new WechatPayCryptoError('BAD_API_V3_KEY', 'apiV3Key must be 32 printable ASCII characters');
  return Buffer.from(apiV3Key, 'ascii');
}

export function isEncryptedResource(value: unknown): value is EncryptedResource {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.algorithm === 'string' &&
    typeof r.ciphertext === 'string' &&
    typeof r.nonce === 'string' &&
    (r.associated_data === undefined || typeof r.associated_data === 'string')
  );
}

/** AEAD_AES_256_GCM: IV = the nonce's UTF-8 bytes, AAD = associated_data, the tag = the ciphertext's last 16 bytes. */
export function decryptResource(apiV3Key: string, resource: EncryptedResource): string {
  const key = apiV3KeyBytes(apiV3Key);
  if (resource.algorithm !== AEAD_AES_256_GCM) throw new WechatPayCryptoError('BAD_RESOURCE', `unsupported algorithm ${resource.algorithm.slice(0, 40)}`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(resource.ciphertext)) throw new WechatPayCryptoError('BAD_RESOURCE', 'ciphertext is not base64');
  const data = Buffer.from(resource.ciphertext, 'base64');
  const iv = Buffer.from(resource.nonce, 'utf8');
  if (data.length < TAG_BYTES || iv.length === 0) throw new WechatPayCryptoError('BAD_RESOURCE', 'ciphertext or nonce is too short');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new WechatPayCryptoError('DECRYPT_FAILED', 'resource does not decrypt with the APIv3 key');
  }
}

export function encryptResource(
  apiV3Key: string,
  plaintext: string,
  opts: { associatedData?: string; nonce?: string; originalType?: string } = {},
): EncryptedResource {
  const key = apiV3KeyBytes(apiV3Key);
  const nonce = opts.nonce ?? randomBytes(6).toString('hex');
  const associatedData = opts.associatedData ?? '';
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(nonce, 'utf8'), { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    ...(opts.originalType !== undefined ? { original_type: opts.originalType } : {}),
    algorithm: AEAD_AES_256_GCM,
    ciphertext: body.toString('base64'),
    associated_data: associatedData,
    nonce,
  };
}
