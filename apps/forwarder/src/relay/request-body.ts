import type { IncomingMessage } from 'node:http';
import { readUpTo } from '@wxgate/platform';

/** Bodies up to this size are kept so a call can be retried with a fresh token (docs/http-behaviour.md step 10). */
export const RETRY_BODY_LIMIT = 1024 * 1024;

export class RequestTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'RequestTooLargeError';
  }
}

/**
 * A body streamed from the caller to WeChat, counted against MAX_BODY_BYTES as it goes. Iterating
 * again starts where the last iteration stopped, so a failover can reuse it only while `pulled`
 * is 0 (nothing was sent).
 */
export class StreamedBody implements AsyncIterable<Buffer> {
  pulled = 0;
  tooLarge = false;

  constructor(
    private readonly req: IncomingMessage,
    private prefix: Buffer[],
    private readonly max: number,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    const prefix = this.prefix;
    this.prefix = [];
    for (const chunk of prefix) yield this.count(chunk);
    // Leaving the loop early (too large, upstream gone) must not destroy the caller's socket:
    // wxgate still answers it (413, 502, …).
    for await (const chunk of this.req.iterator({ destroyOnReturn: false })) yield this.count(chunk as Buffer);
  }

  private count(chunk: Buffer): Buffer {
    this.pulled += chunk.length;
    if (this.pulled > this.max) {
      this.tooLarge = true;
      throw new RequestTooLargeError(this.max);
    }
    return chunk;
  }
}

export type PreparedBody = Buffer | StreamedBody | undefined;

/**
 * Reads what must be read before sending: nothing for a body-less request, the whole body when it
 * is at most RETRY_BODY_LIMIT (and MAX_BODY_BYTES), otherwise a StreamedBody. Throws
 * RequestTooLargeError at once when `content-length` is over `max`. A promise only when a body must
 * be read.
 */
export function prepareBody(req: IncomingMessage, max: number): PreparedBody | Promise<PreparedBody> {
  const declared = req.headers['content-length'];
  const keepLimit = Math.min(RETRY_BODY_LIMIT, max);
  if (declared !== undefined) {
    const length = Number(declared);
    if (length > max) throw new RequestTooLargeError(max);
    if (length === 0) return undefined;
    if (length > keepLimit) return new StreamedBody(req, [], max);
  } else if (req.headers['transfer-encoding'] === undefined) {
    return undefined;
  }
  return readUpTo(req, keepLimit).then((read) => {
    // One chunk (a small body arrives with its head) is handed to undici as it is, not copied.
    if (read.ended) return read.chunks.length === 1 ? read.chunks[0] : Buffer.concat(read.chunks, read.size);
    return new StreamedBody(req, read.chunks, max);
  });
}
