import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import { BodyTooLarge, readCapped } from '@wxgate/platform';
import { WechatFailure, fail, wechatError } from './wechat-errors.js';

/** One request as the handlers see it; `errcode` is what the call log records. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  rawQuery: string;
  query: URLSearchParams;
  /** Set by whichever reply is sent; `null` when the connection was cut. */
  errcode: number | null;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

export function createContext(req: IncomingMessage, res: ServerResponse): RequestContext {
  let target = req.url ?? '/';
  // An absolute-form target (a client using the sandbox as a proxy) carries the origin too.
  if (!target.startsWith('/')) {
    const slash = target.indexOf('/', target.indexOf('//') + 2);
    target = slash === -1 ? '/' : target.slice(slash);
  }
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  return { req, res, method: req.method ?? 'GET', path, rawQuery, query: new URLSearchParams(rawQuery), errcode: null };
}

const JSON_TYPE = 'application/json; encoding=utf-8';

export function sendJson(ctx: RequestContext, body: object, status = 200, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  const errcode = (body as { errcode?: unknown }).errcode;
  ctx.errcode = typeof errcode === 'number' ? errcode : 0;
  ctx.res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), ...headers });
  ctx.res.end(text);
}

export function sendWechatError(ctx: RequestContext, errcode: number, hint?: string): void {
  sendJson(ctx, wechatError(errcode, hint));
}

/** Runs a handler and turns a WechatFailure into WeChat's `{errcode, errmsg}` answer. */
export async function runHandler(handler: Handler, ctx: RequestContext): Promise<void> {
  try {
    await handler(ctx);
  } catch (e) {
    if (ctx.res.headersSent || ctx.res.destroyed) {
      ctx.res.destroy();
      return;
    }
    if (e instanceof WechatFailure) sendWechatError(ctx, e.errcode, e.hint);
    else sendJson(ctx, { errcode: -1, errmsg: `system error: ${(e as Error).message}` }, 500);
  }
}

export interface BodyDigest {
  length: number;
  sha256: string;
}

/** Streams the body through sha256 without keeping it: uploads of any size cost no memory. */
export function digestBody(req: IncomingMessage): Promise<BodyDigest> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => resolve({ length, sha256: hash.digest('hex') }));
    req.on('error', reject);
  });
}

const MAX_JSON_BODY = 1024 * 1024;

/**
 * The whole body (the platform's capped reader). Past `limit` WeChat still reads the body out
 * and answers 47001, so the connection stays usable for the next request.
 */
export async function readBody(req: IncomingMessage, limit = MAX_JSON_BODY): Promise<Buffer> {
  try {
    return await readCapped(req, limit);
  } catch (e) {
    if (!(e instanceof BodyTooLarge)) throw e;
    req.resume();
    await finished(req);
    fail(47001, 'body too large');
  }
}

/** A WeChat JSON body: anything but a JSON object answers 47001 like WeChat. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    fail(47001, 'body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail(47001, 'body is not a JSON object');
  return parsed as Record<string, unknown>;
}

/** A string field of a WeChat request; numbers are accepted as WeChat does. */
export function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return String(value);
  return undefined;
}
