/**
 * What a relayable WeChat API path is (SPEC §5 steps 3–4). Shared by the forwarder (which rejects
 * bad requests) and the policy service (which rejects bad allowlist entries).
 */

/** Token-minting endpoints: no caller may reach them through wxgate (SPEC §5 step 4). */
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
  const segments = path.slice(1).split('/');
  if (path !== '/' && segments.some((s) => s === '')) return 'has an empty segment';
  if (segments.some((s) => s === '.' || s === '..')) return 'has a . or .. segment';
  return undefined;
}

export function isReservedPath(path: string): boolean {
  return RESERVED_PATHS.has(path);
}

/** Why `path` may not be put on an allowlist (SPEC §3 Policy), or `undefined`. */
export function allowlistPathProblem(path: string): string | undefined {
  if (path === '/' ) return 'must name an API, not /';
  if (path.endsWith('/')) return 'must not end with /';
  const problem = relayPathProblem(path);
  if (problem) return problem;
  if (isReservedPath(path)) return 'is a reserved token-minting path';
  return undefined;
}
