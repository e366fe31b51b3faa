/**
 * The query half of docs/http-behaviour.md step 3 and the query edit of steps 5 and 7, on the raw query string:
 * parameters are split on `&` and only the names wxgate acts on are decoded (so `access%5Ftoken`
 * counts as `access_token`, as WeChat would read it); every other byte is relayed as received.
 */
export interface QueryFacts {
  /** Decoded `from_appid`, when present and not empty. */
  fromAppid?: string;
  /** The caller brought `access_token` or `component_access_token` (step 5). */
  callerToken: boolean;
  /** That token, decoded (the first of the two when both are there). */
  callerTokenValue?: string;
  hasComponentAppid: boolean;
  /** Whether any `from_appid` pair must be removed before relaying. */
  hasFromAppid: boolean;
}

export class RepeatedParameterError extends Error {
  constructor(readonly parameter: string) {
    super(`query parameter ${parameter} is repeated`);
  }
}

const FROM_APPID = 'from_appid';
const ACCESS_TOKEN = 'access_token';
const COMPONENT_ACCESS_TOKEN = 'component_access_token';
const COMPONENT_APPID = 'component_appid';

function decode(raw: string): string {
  if (raw.indexOf('%') === -1 && raw.indexOf('+') === -1) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

function nameOf(pair: string): string {
  const eq = pair.indexOf('=');
  return decode(eq === -1 ? pair : pair.slice(0, eq));
}

function valueOf(pair: string): string {
  const eq = pair.indexOf('=');
  return eq === -1 ? '' : decode(pair.slice(eq + 1));
}

const NO_QUERY: QueryFacts = Object.freeze({ callerToken: false, hasComponentAppid: false, hasFromAppid: false });

/** Reads the parameters wxgate acts on; throws RepeatedParameterError for a repeated one. */
export function readQuery(rawQuery: string): QueryFacts {
  if (rawQuery === '') return NO_QUERY;
  let fromAppids = 0;
  let accessTokens = 0;
  let componentTokens = 0;
  let fromAppid: string | undefined;
  let callerTokenValue: string | undefined;
  let hasComponentAppid = false;
  let start = 0;
  while (start <= rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end === -1) end = rawQuery.length;
    if (end > start) {
      const pair = rawQuery.slice(start, end);
      switch (nameOf(pair)) {
        case FROM_APPID:
          if (++fromAppids > 1) throw new RepeatedParameterError(FROM_APPID);
          fromAppid = valueOf(pair) || undefined;
          break;
        case ACCESS_TOKEN:
          if (++accessTokens > 1) throw new RepeatedParameterError(ACCESS_TOKEN);
          callerTokenValue ??= valueOf(pair);
          break;
        case COMPONENT_ACCESS_TOKEN:
          if (++componentTokens > 1) throw new RepeatedParameterError(COMPONENT_ACCESS_TOKEN);
          callerTokenValue ??= valueOf(pair);
          break;
        case COMPONENT_APPID:
          hasComponentAppid = true;
          break;
      }
    }
    start = end + 1;
  }
  return { fromAppid, callerToken: accessTokens + componentTokens > 0, callerTokenValue, hasComponentAppid, hasFromAppid: fromAppids > 0 };
}

/** The raw query without its `from_appid` pair; every other pair kept byte for byte, in order. */
export function withoutFromAppid(rawQuery: string): string {
  const kept: string[] = [];
  for (const pair of rawQuery.split('&')) {
    if (pair === '' || nameOf(pair) !== FROM_APPID) kept.push(pair);
  }
  return kept.join('&');
}

/** Appends `name=value` pairs (values already URL-encoded) to a raw query. */
export function appendParams(rawQuery: string, params: string): string {
  if (rawQuery === '') return params;
  return rawQuery.charCodeAt(rawQuery.length - 1) === 0x26 /* & */ ? rawQuery + params : `${rawQuery}&${params}`;
}
