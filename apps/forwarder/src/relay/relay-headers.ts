import { connectionNamed, HOP_BY_HOP } from '../upstream/hop-by-hop.js';
/** The peer as written in `x-forwarded-for`: IPv4-mapped IPv6 as plain IPv4. */
export function peerAddress(remote: string | undefined): string {
  if (!remote) return 'unknown';
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}

export interface UpstreamHeaderOptions {
  peer: string;
  /** Keep the caller's content-length (streamed body); undici computes it for buffered bodies. */
  keepContentLength: boolean;
}

/**
 * The request headers sent upstream, as a flat `[name, value, …]` list built from the raw headers
 * (order and repeated fields kept): hop-by-hop and `Connection`-named ones dropped, the caller's
 * `Host` too (undici writes the upstream's), `x-forwarded-for` the caller's value with the peer
 * appended.
 */
export function upstreamRequestHeaders(rawHeaders: readonly string[], options: UpstreamHeaderOptions): string[] {
  let connectionValues: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length === 10 && rawHeaders[i]!.toLowerCase() === 'connection') (connectionValues ??= []).push(rawHeaders[i + 1]!);
  }
  const named = connectionNamed(connectionValues);
  const out: string[] = [];
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
