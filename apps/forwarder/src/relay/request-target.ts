import { relayPathProblem, Reason } from '@wxgate/contracts';
import { isRelayHost, splitHostPort } from '../wechat-hosts.js';

/** A request target split into its raw path and raw query, nothing decoded or normalised. */
export interface RelayTarget {
  path: string;
  rawQuery: string;
  /** The host of an absolute-form target, lower-case. */
  host?: string;
}

export interface TargetProblem {
  reason: typeof Reason.HOST_NOT_ALLOWED | typeof Reason.BAD_PATH | typeof Reason.BAD_QUERY;
  message: string;
}

const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const DEFAULT_PORT: Readonly<Record<string, string>> = { http: '80', https: '443' };

/**
 * docs/http-behaviour.md step 1 and the path half of step 3, on the raw request target exactly as received: an
 * absolute-form target must name a WeChat API host (on the scheme's default port), then the path
 * is checked byte for byte before anything looks at it — no decoding, no normalisation, so
 * `/wxa/../cgi-bin/token` or `%2e%2e` can never become a different path further down.
 */
export function parseTarget(target: string): RelayTarget | TargetProblem {
  let rest = target;
  let host: string | undefined;
  if (target.charCodeAt(0) !== 0x2f /* / */) {
    const scheme = ABSOLUTE_FORM.exec(target);
    if (scheme) {
      const afterScheme = scheme[0].length;
      let end = afterScheme;
      while (end < target.length) {
        const c = target.charCodeAt(end);
        if (c === 0x2f || c === 0x3f || c === 0x23) break; // / ? #
        end++;
      }
      const authority = target.slice(afterScheme, end);
      const hostProblem = authorityProblem(scheme[1]!.toLowerCase(), authority);
      if (hostProblem) return { reason: Reason.HOST_NOT_ALLOWED, message: hostProblem };
      host = splitHostPort(authority).host.toLowerCase();
      rest = target.slice(end);
    }
  }
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  const problem = relayPathProblem(path);
  if (problem) return { reason: Reason.BAD_PATH, message: `path ${problem}` };
  const rawQuery = q === -1 ? '' : rest.slice(q + 1);
  // A fragment is never meant for a server, and a token appended after it would not reach WeChat.
  if (rawQuery.includes('#')) return { reason: Reason.BAD_QUERY, message: 'the target carries a #fragment; send the query without it' };
  return host ? { path, rawQuery, host } : { path, rawQuery };
}

function authorityProblem(scheme: string, authority: string): string | undefined {
  const defaultPort = DEFAULT_PORT[scheme];
  if (!defaultPort) return `only http and https targets are relayed`;
  if (authority.includes('@')) return 'targets with user information are not relayed';
  const { host, port } = splitHostPort(authority);
  if (!isRelayHost(host)) return `${JSON.stringify(host.slice(0, 255))} is not a WeChat API host`;
  if (port !== '' && port !== defaultPort) return `port ${JSON.stringify(port.slice(0, 16))} is not relayed`;
  return undefined;
}

export function isTargetProblem(value: RelayTarget | TargetProblem): value is TargetProblem {
  return 'reason' in value;
}
