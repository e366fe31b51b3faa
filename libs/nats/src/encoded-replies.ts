import { LRUCache } from 'lru-cache';

type Flat = Record<string, unknown>;

interface Entry {
  /** The reply's own keys, in order, and their values when it was encoded. */
  keys: string[];
  values: unknown[];
  bytes: Uint8Array;
}

/** Its own ArrayBuffer per kept reply (not a slice of Node's shared Buffer pool, which it would pin). */
const encoder = new TextEncoder();

/** How many encoded replies are kept (by key, least recently used out first). */
export const ENCODED_REPLIES_MAX = 10_000;

/**
 * The encoded bytes of replies that are answered again and again (a held token): a hot subject
 * answers a repeated reply without JSON.stringify + TextEncoder (docs/architecture.md "How subjects
 * are served").
 *
 * The bytes are reused only while the reply is the same, field by field: every own key, in the
 * same order, with the same primitive value (`===`) as when they were encoded. A changed token or
 * expiry, a field more or less, or a mutation in place is a miss and is encoded afresh, so a
 * changed reply is never answered from an old encoding. A reply with an object-valued field is
 * never kept.
 */
export class EncodedReplies {
  readonly #entries: LRUCache<string, Entry>;

  constructor(max = ENCODED_REPLIES_MAX) {
    this.#entries = new LRUCache({ max });
  }

  /** The JSON bytes of `reply`, reused when `key` last encoded the same flat reply. */
  encode(key: string, reply: object): Uint8Array {
    const entry = this.#entries.get(key);
    if (entry !== undefined && sameAs(entry, reply as Flat)) return entry.bytes;
    const bytes = encoder.encode(JSON.stringify(reply));
    const fresh = snapshot(reply as Flat, bytes);
    if (fresh) this.#entries.set(key, fresh);
    else if (entry !== undefined) this.#entries.delete(key);
    return bytes;
  }

  get size(): number {
    return this.#entries.size;
  }
}

function sameAs(entry: Entry, reply: Flat): boolean {
  const { keys, values } = entry;
  let i = 0;
  for (const key in reply) {
    if (i >= keys.length || keys[i] !== key || values[i] !== reply[key]) return false;
    i++;
  }
  return i === keys.length;
}

function snapshot(reply: Flat, bytes: Uint8Array): Entry | undefined {
  const keys: string[] = [];
  const values: unknown[] = [];
  for (const key in reply) {
    if (!Object.hasOwn(reply, key)) return undefined;
    const value = reply[key];
    if (typeof value === 'object' && value !== null) return undefined;
    if (typeof value === 'function') return undefined;
    keys.push(key);
    values.push(value);
  }
  if (typeof (reply as { toJSON?: unknown }).toJSON === 'function') return undefined;
  return { keys, values, bytes };
}
