import { newSeqid } from './seqid.js';

describe('newSeqid', () => {
  it('draws 64 random bits as 16 hex digits, never twice', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newSeqid()));
    expect(ids.size).toBe(5000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });
});
