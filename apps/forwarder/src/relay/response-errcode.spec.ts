import { readErrcode } from './response-errcode.js';
import { newSeqid } from './seqid.js';

describe('readErrcode', () => {
  it.each([
    ['{"errcode":40001,"errmsg":"invalid credential"}', 40001],
    ['{ "errmsg":"ok", "errcode" : 0 }', 0],
    ['{"errcode":-1}', -1],
    ['{"errmsg":"ok"}', undefined],
    ['{"errcode":"x"}', undefined],
  ])('reads %s', (body, errcode) => {
    expect(readErrcode(Buffer.from(body))).toBe(errcode);
  });
});

describe('newSeqid', () => {
  it('draws 64 random bits as 16 hex digits, never twice', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newSeqid()));
    expect(ids.size).toBe(5000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });
});
