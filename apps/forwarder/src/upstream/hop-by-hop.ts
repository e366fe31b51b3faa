/**
 * docs/http-behaviour.md step 8: never relayed in either direction. With them wxgate's own caller credential
 * header (docs/callers.md), which is for wxgate alone.
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'x-wxgate-caller',
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/** Header names listed in `Connection` values (also hop-by-hop), lower-cased. */
export function connectionNamed(values: string | readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (values === undefined) return undefined;
  let names: Set<string> | undefined;
  for (const value of typeof values === 'string' ? [values] : values) {
    // The usual values name no header: skip the set on the hot path.
    if (value.length <= 10 && CONNECTION_OPTIONS.has(value.toLowerCase())) continue;
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      if (name && !CONNECTION_OPTIONS.has(name)) (names ??= new Set()).add(name);
    }
  }
  return names;
}

const CONNECTION_OPTIONS: ReadonlySet<string> = new Set(['keep-alive', 'close']);
