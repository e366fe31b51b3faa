/**
 * Which query parameter carries which token (docs/wechat-protocol.md "Token endpoints"). Component APIs take
 * `component_access_token`; every other API takes `access_token`, which for the template library
 * (`/wxa/gettemplatedraftlist`, …) is the component token under the ordinary name — so the
 * parameter name follows the path, not the kind of token.
 */
import type { TokenParam } from '@wxgate/contracts';

const COMPONENT_PREFIXES = ['/cgi-bin/component/', '/sns/component/'] as const;

export function isComponentApiPath(path: string): boolean {
  return COMPONENT_PREFIXES.some((prefix) => path.startsWith(prefix) && path.length > prefix.length);
}

export function componentTokenParam(path: string): TokenParam {
  return isComponentApiPath(path) ? 'component_access_token' : 'access_token';
}

/** `/sns/component/*` calls also need `component_appid` in the query. */
export function needsComponentAppidParam(path: string): boolean {
  return path.startsWith('/sns/component/') && path.length > '/sns/component/'.length;
}
