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
 *
 * A frozen flat reply cannot change, so its bytes are also kept by the object itself (a WeakMap,
 * gone with the object): answering it again is one lookup, no key, no field compare. A holder
 * that replaces the object whenever the reply changes (HeldTokens) never has an old encoding
 * answered.
 */
export class EncodedReplies {
  readonly #entries: LRUCache<string, Entry>;
  readonly #frozen = new WeakMap<object, Uint8Array>();

  constructor(max = ENCODED_REPLIES_MAX) {
    this.#entries = new LRUCache({ max });
  }

  /** The JSON bytes of `reply`, reused when `key` last encoded the same flat reply. */
  encode(key: string, reply: object): Uint8Array {
    const kept = this.#frozen.get(reply);
    if (kept !== undefined) return kept;
    const entry = this.#entries.get(key);
    if (entry !== undefined && sameAs(entry, reply as Flat)) return this.#keepFrozen(reply, entry.bytes);
    const bytes = encoder.encode(JSON.stringify(reply));
    const fresh = snapshot(reply as Flat, bytes);
    if (fresh) {
      this.#entries.set(key, fresh);
      this.#keepFrozen(reply, bytes);
    } else if (entry !== undefined) this.#entries.delete(key);
    return bytes;
  }

  /** Keeps `bytes` by the object when it is frozen (and so, being flat, can never change). */
  #keepFrozen(reply: object, bytes: Uint8Array): Uint8Array {
    if (Object.isFrozen(reply) && dataOnly(reply)) this.#frozen.set(reply, bytes);
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

/** No getters: a frozen object's accessor could still answer something else next time. */
function dataOnly(reply: object): boolean {
  for (const descriptor of Object.values(Object.getOwnPropertyDescriptors(reply))) if (!('value' in descriptor)) return false;
  return true;
}
