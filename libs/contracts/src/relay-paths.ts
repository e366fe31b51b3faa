/**
 * What a relayable WeChat API path is (docs/http-behaviour.md steps 3–4). Shared by the forwarder (which rejects
 * bad requests) and the policy service (which rejects bad allowlist entries).
 */

/** Token-minting endpoints: no caller may reach them through wxgate (docs/http-behaviour.md step 4). */
export const RESERVED_PATHS: ReadonlySet<string> = new Set([
  '/cgi-bin/token',
  '/cgi-bin/stable_token',
  '/cgi-bin/component/api_component_token',
  '/cgi-bin/component/api_authorizer_token',
  '/cgi-bin/component/api_query_auth',
]);

const PATH_CHARS = /^[A-Za-z0-9/\-_.~]+$/;

/**
 * Why `path` is not a valid relay path, or `undefined` when it is. Allowed bytes are
 * `A–Z a–z 0–9 / - _ . ~`; no empty, `.` or `..` segment. A trailing `/` makes an empty segment.
 */
export function relayPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with /';
  if (!PATH_CHARS.test(path)) return 'may contain only A-Z a-z 0-9 / - _ . ~';
  if (path === '/') return undefined;
  // One pass over the segments (this runs on every relayed call): no array, no closure.
  let empty = false;
  let dots = false;
  let start = 1;
  while (start <= path.length) {
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    const length = end - start;
    if (length === 0) empty = true;
    else if (length <= 2 && path.charCodeAt(start) === 0x2e && (length === 1 || path.charCodeAt(start + 1) === 0x2e)) dots = true;
    start = end + 1;
  }
  if (empty) return 'has an empty segment';
  if (dots) return 'has a . or .. segment';
  return undefined;
}

export function isReservedPath(path: string): boolean {
  return RESERVED_PATHS.has(path);
}

/** Every WeChat Pay API v3 path starts here; in base-URL form such a path is a WeChat Pay call. */
export const PAY_PATH_PREFIX = '/v3/';
/** A `{name}` segment of a WeChat Pay allowlist entry matches any one path segment. */
const TEMPLATE_SEGMENT = /^\{[a-z][a-z0-9_]{0,63}\}$/;

export function isPayPath(path: string): boolean {
  return path.startsWith(PAY_PATH_PREFIX);
}

/** Whether the allowlist entry admits `path`: equal, or (pay paths) equal but for `{name}` segments. */
export function allowlistEntryMatches(entry: string, path: string): boolean {
  if (entry === path) return true;
  if (!isPayPath(entry) || !entry.includes('{')) return false;
  const want = entry.split('/');
  const got = path.split('/');
  return want.length === got.length && want.every((segment, i) => segment === got[i] || (TEMPLATE_SEGMENT.test(segment) && got[i] !== ''));
}

/** Why `path` may not be put on an allowlist (docs/nats-interface.md Policy), or `undefined`. */
export function allowlistPathProblem(path: string): string | undefined {
  if (path === '/' ) return 'must name an API, not /';
  if (path.endsWith('/')) return 'must not end with /';
  if (isPayPath(path) && path.includes('{')) {
    const segments = path.split('/');
    if (segments.some((s) => s.includes('{') && !TEMPLATE_SEGMENT.test(s))) return 'has a malformed {name} segment';
    path = segments.map((s) => (TEMPLATE_SEGMENT.test(s) ? 'x' : s)).join('/');
  }
  const problem = relayPathProblem(path);
  if (problem) return problem;
  if (isReservedPath(path)) return 'is a reserved token-minting path';
  return undefined;
}
