/**
 * SPEC §5 step 8: never relayed in either direction. With them wxgate's own caller credential
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
export function connectionNamed(values: string | string[] | undefined): ReadonlySet<string> | undefined {
  if (values === undefined) return undefined;
  let names: Set<string> | undefined;
  for (const value of Array.isArray(values) ? values : [values]) {
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

/** The peer as written in `x-forwarded-for`: IPv4-mapped IPv6 as plain IPv4. */
export function peerAddress(remote: string | undefined): string {
  if (!remote) return 'unknown';
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}

export interface UpstreamHeaderOptions {
  host: string;
  peer: string;
  /** Keep the caller's content-length (streamed body); undici computes it for buffered bodies. */
  keepContentLength: boolean;
}

/**
 * The request headers sent upstream, as a flat `[name, value, …]` list built from the raw headers
 * (order and repeated fields kept): hop-by-hop and `Connection`-named ones dropped, `Host` the
 * upstream's, `x-forwarded-for` the caller's value with the peer appended.
 */
export function upstreamRequestHeaders(rawHeaders: readonly string[], options: UpstreamHeaderOptions): string[] {
  let connectionValues: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length === 10 && rawHeaders[i]!.toLowerCase() === 'connection') (connectionValues ??= []).push(rawHeaders[i + 1]!);
  }
  const named = connectionNamed(connectionValues);
  const out: string[] = ['host', options.host];
  let forwardedFor: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || name === 'host' || named?.has(name)) continue;
    if (name === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? rawHeaders[i + 1]! : `${forwardedFor}, ${rawHeaders[i + 1]!}`;
      continue;
    }
    if (name === 'content-length' && !options.keepContentLength) continue;
    out.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  out.push('x-forwarded-for', forwardedFor ? `${forwardedFor}, ${options.peer}` : options.peer);
  return out;
}
