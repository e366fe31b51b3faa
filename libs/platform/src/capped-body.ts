import type { Readable } from 'node:stream';

/** More than the allowed bytes arrived; the rest was left unread (the stream is paused). */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`body over ${limit} bytes`);
  }
}

/** The sender hung up (or the stream failed) before the body ended; `cause` is the stream's own error, if it failed with one. */
export class ClientGone extends Error {
  constructor(cause?: unknown) {
    super('the sender closed the connection while sending the body', cause === undefined ? undefined : { cause });
  }
}

export interface BodyPrefix {
  chunks: Buffer[];
  size: number;
  /** The whole body was read (false: more than `limit` bytes arrived and the stream is paused there). */
  ended: boolean;
}

/**
 * The one capped body reader: reads until the body ends or more than `limit` bytes arrived, then
 * pauses and leaves the rest unread (a caller may stream it on, or answer 413 and close). A
 * stream that closes or fails before its end rejects with `ClientGone`.
 */
export function readUpTo(stream: Readable, limit: number): Promise<BodyPrefix> {
  return new Promise((resolve, reject) => {
    const result: BodyPrefix = { chunks: [], size: 0, ended: false };
    const done = (err?: Error) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (err) reject(err);
      else resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      result.chunks.push(buf);
      result.size += buf.length;
      if (result.size > limit) {
        stream.pause();
        done();
      }
    };
    const onEnd = () => {
      result.ended = true;
      done();
    };
    const onError = (err: Error) => done(new ClientGone(err));
    const onClose = () => {
      if (!result.ended) done(new ClientGone());
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** The whole body as one buffer, or `BodyTooLarge` once more than `limit` bytes arrived (nothing more is read). */
export async function readCapped(stream: Readable, limit: number): Promise<Buffer> {
  const read = await readUpTo(stream, limit);
  if (!read.ended) throw new BodyTooLarge(limit);
  return read.chunks.length === 1 ? read.chunks[0]! : Buffer.concat(read.chunks, read.size);
}
