import { createHash } from 'node:crypto';

/**
 * Caller credentials (docs/callers.md): a name per calling service and a random secret wxgate
 * issues once. Names are ASCII slugs (no `:`, which separates name and secret in the headers).
 */
export const CALLER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Issued secrets start with this, so a leaked one is easy to spot (secret scanners, grep). */
export const CALLER_SECRET_PREFIX = 'wxgc_';

/** The request header that carries `name:secret` where no proxy authorization is sent (base URL, by name). */
export const CALLER_HEADER = 'x-wxgate-caller';

/**
 * How a caller secret is stored and compared: SHA-256, hex. The secret is 256 random bits wxgate
 * generated, never a human's password, so there is nothing to guess or look up; a salt or a slow
 * KDF would only add milliseconds to every relayed call. The policy service stores this; the
 * forwarder hashes what a request presents and compares the two in constant time.
 */
export function callerSecretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
