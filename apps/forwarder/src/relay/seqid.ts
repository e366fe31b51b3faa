import { randomBytes } from 'node:crypto';

const POOL_BYTES = 8192;
const SEQID_BYTES = 8;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * `x-openapi-seqid`: 64 random bits as 16 hex digits, unique across processes without
 * coordination. Random bytes are drawn in blocks so a call costs a slice, not a syscall.
 */
export function newSeqid(): string {
  if (offset + SEQID_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + SEQID_BYTES);
  offset += SEQID_BYTES;
  return id;
}
