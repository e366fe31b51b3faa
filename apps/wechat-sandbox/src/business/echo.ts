import type { IncomingHttpHeaders } from 'node:http';
import type { BodyDigest, RequestContext } from '../http/request-context.js';
import type { TokenRecord } from '../tokens/token-store.js';

export interface Echo {
  method: string;
  path: string;
  query: { raw: string; parsed: Record<string, string | string[]> };
  /** Every request header as received, so a relay's header handling can be asserted. */
  headers: IncomingHttpHeaders;
  bodyLength: number;
  bodySha256: string;
  tokenOwner: { kind: string; appid: string; componentAppid?: string };
}

export function buildEcho(ctx: RequestContext, body: BodyDigest, token: TokenRecord): Echo {
  const parsed: Record<string, string | string[]> = {};
  for (const [name, value] of ctx.query) {
    const existing = parsed[name];
    parsed[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return {
    method: ctx.method,
    path: ctx.path,
    query: { raw: ctx.rawQuery, parsed },
    headers: ctx.req.headers,
    bodyLength: body.length,
    bodySha256: body.sha256,
    tokenOwner: { kind: token.kind, appid: token.appid, ...(token.componentAppid ? { componentAppid: token.componentAppid } : {}) },
  };
}

/** JSON safe for a header value: non-ASCII escaped as \uXXXX. */
export function headerJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
