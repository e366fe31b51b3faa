import { APPID_PATTERN } from '@wxgate/contracts';

/**
 * What a call to one of WeChat's token-minting endpoints asks for, read the way WeChat reads it
 * (docs/sdk.md): `/cgi-bin/token` from the query on GET and POST alike, the others from a JSON
 * body, the component token from the query.
 */
export type TokenRequest =
  | { kind: 'app'; appid: string; secret: string; forceRefresh: boolean }
  | { kind: 'component'; componentAppid: string; secret: string }
  | { kind: 'authorizer'; componentAppid: string; authorizerAppid: string; componentToken: string }
  | { kind: 'exchange'; componentAppid: string; componentToken: string; authorizationCode: string };

/** A request wxgate cannot answer: it stays a reserved path, and the message says what is missing. */
export interface TokenRequestProblem {
  problem: string;
}

export function isTokenRequestProblem(value: TokenRequest | TokenRequestProblem): value is TokenRequestProblem {
  return 'problem' in value;
}

const problem = (text: string): TokenRequestProblem => ({ problem: text });

export function readTokenRequest(path: string, method: string, rawQuery: string, body: Buffer | undefined): TokenRequest | TokenRequestProblem {
  const query = new URLSearchParams(rawQuery);
  if (path === '/cgi-bin/token') {
    if (query.get('grant_type') !== 'client_credential') return problem('grant_type must be client_credential');
    const appid = query.get('appid');
    if (!isAppid(appid)) return problem('appid must be a WeChat appid');
    return { kind: 'app', appid, secret: query.get('secret') ?? '', forceRefresh: false };
  }
  if (method !== 'POST') return problem('it takes a POST with a JSON body');
  const json = parseObject(body);
  if (!json) return problem('the body must be a JSON object');
  switch (path) {
    case '/cgi-bin/stable_token': {
      if (json.grant_type !== 'client_credential') return problem('grant_type must be client_credential');
      if (!isAppid(json.appid)) return problem('appid must be a WeChat appid');
      return { kind: 'app', appid: json.appid, secret: text(json.secret), forceRefresh: json.force_refresh === true || json.force_refresh === 'true' };
    }
    case '/cgi-bin/component/api_component_token': {
      if (!isAppid(json.component_appid)) return problem('component_appid must be a WeChat appid');
      return { kind: 'component', componentAppid: json.component_appid, secret: text(json.component_appsecret) };
    }
    case '/cgi-bin/component/api_authorizer_token': {
      const componentToken = query.get('component_access_token');
      if (!componentToken) return problem('component_access_token is missing from the query');
      if (!isAppid(json.component_appid)) return problem('component_appid must be a WeChat appid');
      if (!isAppid(json.authorizer_appid)) return problem('authorizer_appid must be a WeChat appid');
      return { kind: 'authorizer', componentAppid: json.component_appid, authorizerAppid: json.authorizer_appid, componentToken };
    }
    case '/cgi-bin/component/api_query_auth': {
      const componentToken = query.get('component_access_token');
      if (!componentToken) return problem('component_access_token is missing from the query');
      if (!isAppid(json.component_appid)) return problem('component_appid must be a WeChat appid');
      const code = text(json.authorization_code);
      if (code === '') return problem('authorization_code is missing');
      return { kind: 'exchange', componentAppid: json.component_appid, componentToken, authorizationCode: code };
    }
    default:
      return problem('it is not a token endpoint');
  }
}

function isAppid(value: unknown): value is string {
  return typeof value === 'string' && APPID_PATTERN.test(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function parseObject(body: Buffer | undefined): Record<string, unknown> | undefined {
  if (!body || body.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
