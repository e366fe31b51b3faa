import { isComponentApiPath } from '@wxgate/wechat';
import { fail } from '../http/wechat-errors.js';
import type { SandboxState } from '../sandbox-state.js';
import type { TokenKind, TokenRecord } from '../tokens/token-store.js';

/** The template library takes the component token under the ordinary `access_token` name. */
export const TEMPLATE_LIBRARY_PATHS: ReadonlySet<string> = new Set([
  '/wxa/gettemplatedraftlist',
  '/wxa/gettemplatelist',
  '/wxa/addtotemplate',
  '/wxa/deletetemplate',
]);

/** Permission set (funcscope id) an authorizer must have granted for a path; 61007 otherwise. */
export const REQUIRED_FUNC_SCOPE: Readonly<Record<string, number>> = {
  '/wxa/commit': 18,
  '/wxa/getwxadevinfo': 18,
  '/wxa/getwxacode': 18,
};

export interface TokenRequirement {
  param: 'access_token' | 'component_access_token';
  kinds: readonly TokenKind[];
  funcScope?: number;
}

export function requirementFor(path: string): TokenRequirement {
  if (isComponentApiPath(path)) return { param: 'component_access_token', kinds: ['component'] };
  if (TEMPLATE_LIBRARY_PATHS.has(path)) return { param: 'access_token', kinds: ['component'] };
  return { param: 'access_token', kinds: ['authorizer', 'app'], funcScope: REQUIRED_FUNC_SCOPE[path] };
}

/**
 * WeChat's checks of a business call's token: 41001 missing, 40014 malformed, 40001 unknown or
 * superseded, 42001 expired, 48001 the wrong kind of token, 61007 a permission set not granted.
 */
export function guardToken(state: SandboxState, path: string, query: URLSearchParams): TokenRecord {
  const requirement = requirementFor(path);
  const check = state.tokens.check(query.get(requirement.param));
  if (!check.ok) fail(check.errcode);
  const record = check.record;
  if (!requirement.kinds.includes(record.kind)) fail(48001, `${path} does not take a ${record.kind} token`);
  if (record.kind === 'authorizer' && requirement.funcScope !== undefined) {
    const authorization = state.authorizations.get(record.componentAppid!, record.appid);
    if (!authorization?.funcScopes.includes(requirement.funcScope)) fail(61007, `needs funcscope ${requirement.funcScope}`);
  }
  return record;
}
