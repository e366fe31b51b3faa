import { setTimeout as delay } from 'node:timers/promises';
import { digestBody, sendWechatError, type RequestContext } from '../http/request-context.js';
import type { FaultPlan } from './fault-store.js';

const CHUNK = 64 * 1024;

/** A body of exactly `bytes` bytes that is valid JSON when there is room for it. */
function* oversizedBody(bytes: number): Generator<Buffer> {
  const head = Buffer.from('{"errcode":0,"errmsg":"ok","padding":"');
  const tail = Buffer.from('"}');
  const json = bytes >= head.length + tail.length;
  let left = json ? bytes - head.length - tail.length : bytes;
  if (json) yield head;
  const filler = Buffer.alloc(CHUNK, 'x');
  while (left > 0) {
    const n = Math.min(left, CHUNK);
    yield n === CHUNK ? filler : filler.subarray(0, n);
    left -= n;
  }
  if (json) yield tail;
}

async function sendOversized(ctx: RequestContext, bytes: number, chunked: boolean): Promise<void> {
  ctx.errcode = 0;
  const headers: Record<string, string | number> = { 'content-type': 'application/json; encoding=utf-8' };
  if (!chunked) headers['content-length'] = bytes;
  ctx.res.writeHead(200, headers);
  for (const chunk of oversizedBody(bytes)) {
    if (ctx.res.destroyed) return;
    if (!ctx.res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          ctx.res.off('drain', done);
          ctx.res.off('close', done);
          resolve();
        };
        ctx.res.on('drain', done);
        ctx.res.on('close', done);
      });
    }
  }
  ctx.res.end();
}

/**
 * Applies a request's faults. Returns true when the fault answered (or cut) the request, so the
 * endpoint must not run.
 */
export async function applyFaults(ctx: RequestContext, plan: FaultPlan): Promise<boolean> {
  if (plan.latencyMs > 0) await delay(plan.latencyMs);
  if (plan.reset) {
    ctx.errcode = null;
    ctx.req.socket.destroy();
    return true;
  }
  if (plan.errcode !== undefined) {
    await digestBody(ctx.req);
    sendWechatError(ctx, plan.errcode, 'sandbox fault');
    return true;
  }
  if (plan.oversized) {
    await digestBody(ctx.req);
    await sendOversized(ctx, plan.oversized.bytes, plan.oversized.chunked);
    return true;
  }
  return false;
}
