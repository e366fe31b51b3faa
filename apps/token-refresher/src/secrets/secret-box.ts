import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value could not be opened: wrong master key, or the row was tampered with. */
export class SecretOpenError extends Error {
  constructor(context: string) {
    super(`cannot decrypt ${context}: wrong WXGATE_MASTER_KEY or damaged data`);
    this.name = 'SecretOpenError';
  }
}

/**
 * AES-256-GCM for every secret at rest. `context` (e.g. `component:wx…:secret`) is bound as
 * additional authenticated data, so a sealed value copied into another row or column does not open.
 * Format: `v1.<base64 iv ‖ tag ‖ ciphertext>`.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the master key must be 32 bytes');
    this.#key = Buffer.from(key);
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string, context: string): string {
    const dot = sealed.indexOf('.');
    if (dot < 0 || sealed.slice(0, dot) !== VERSION) throw new SecretOpenError(context);
    const raw = Buffer.from(sealed.slice(dot + 1), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretOpenError(context);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretOpenError(context);
    }
  }

  sealOptional(plaintext: string | null | undefined, context: string): string | null {
    return plaintext == null ? null : this.seal(plaintext, context);
  }

  openOptional(sealed: string | null | undefined, context: string): string | undefined {
    return sealed == null ? undefined : this.open(sealed, context);
  }
}
