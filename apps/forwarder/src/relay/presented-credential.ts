import { createHash, timingSafeEqual } from 'node:crypto';

/** What a request or tunnel presented: the name, and the SHA-256 of the secret (never the secret itself). */
export interface PresentedCredential {
  name: string;
  secretHash: Buffer;
}

/** A header that is there but is not `name:secret` in the expected form: refused like a wrong secret. */
export const MALFORMED = 'malformed';

/** `Proxy-Authorization: Basic base64(name:secret)` (the scheme is case-insensitive). */
export function fromProxyAuthorization(value: string): PresentedCredential | typeof MALFORMED {
  const space = value.indexOf(' ');
  if (space === -1 || value.slice(0, space).toLowerCase() !== 'basic') return MALFORMED;
  const encoded = value.slice(space + 1).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return MALFORMED;
  return fromPair(Buffer.from(encoded, 'base64').toString('utf8'));
}

/** `x-wxgate-caller: name:secret`. */
export function fromCallerHeader(value: string): PresentedCredential | typeof MALFORMED {
  return fromPair(value.trim());
}

function fromPair(pair: string): PresentedCredential | typeof MALFORMED {
  const colon = pair.indexOf(':');
  if (colon <= 0 || colon === pair.length - 1) return MALFORMED;
  return { name: pair.slice(0, colon), secretHash: createHash('sha256').update(pair.slice(colon + 1), 'utf8').digest() };
}

/** Compared against for a name the environment does not have, so both answers cost the same work. */
const NO_SUCH_CALLER = createHash('sha256').update('wxgate: no such caller').digest();

/**
 * True when `presented` is one of `callers` (name → stored SHA-256). The same work whether or not
 * the name exists (one map lookup, one constant-time comparison of two 32-byte digests), so
 * neither the answer nor its timing tells a prober which names are real.
 */
export function isKnownCaller(callers: ReadonlyMap<string, Buffer>, presented: PresentedCredential): boolean {
  const stored = callers.get(presented.name);
  const equal = timingSafeEqual(stored ?? NO_SUCH_CALLER, presented.secretHash);
  return equal && stored !== undefined;
}
