import { EncodedReplies } from './encoded-replies.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const token = (value: string, expiresAt = 1_000) => ({ kind: 'app', appid: 'wx1234567890abcdef', token: value, expiresAt });

describe('EncodedReplies', () => {
  it('reuses the bytes of the same reply and of an equal one', () => {
    const replies = new EncodedReplies();
    const reply = token('t1');
    const first = replies.encode('k', reply);
    expect(text(first)).toBe(JSON.stringify(reply));
    expect(replies.encode('k', reply)).toBe(first);
    expect(replies.encode('k', token('t1'))).toBe(first);
  });

  it.each([
    ['a new token', token('t2')],
    ['a new expiry', token('t1', 2_000)],
    ['a field more', { ...token('t1'), componentAppid: 'wx2234567890abcdef' }],
    ['a field less', { kind: 'app', appid: 'wx1234567890abcdef', token: 't1' }],
    ['the same fields in another order', { appid: 'wx1234567890abcdef', kind: 'app', token: 't1', expiresAt: 1_000 }],
    ['a number for a string', { ...token('t1'), expiresAt: '1000' }],
  ])('encodes afresh for %s', (_what, changed) => {
    const replies = new EncodedReplies();
    const first = replies.encode('k', token('t1'));
    const next = replies.encode('k', changed);
    expect(next).not.toBe(first);
    expect(text(next)).toBe(JSON.stringify(changed));
  });

  it('sees a reply changed in place', () => {
    const replies = new EncodedReplies();
    const reply = token('t1');
    replies.encode('k', reply);
    reply.token = 't2';
    expect(text(replies.encode('k', reply))).toBe(JSON.stringify(token('t2')));
    reply.expiresAt = 5;
    expect(text(replies.encode('k', reply))).toBe(JSON.stringify(token('t2', 5)));
  });

  it('keeps replies apart by key', () => {
    const replies = new EncodedReplies();
    const a = replies.encode('a', token('ta'));
    const b = replies.encode('b', token('tb'));
    expect(text(replies.encode('a', token('ta')))).toBe(text(a));
    expect(replies.encode('b', token('tb'))).toBe(b);
  });

  it('never keeps a reply with an object field (it could change inside)', () => {
    const replies = new EncodedReplies();
    const reply = { allowed: true, credential: { kind: 'app', appid: 'wx1234567890abcdef' } };
    replies.encode('k', reply);
    expect(replies.size).toBe(0);
    reply.credential.appid = 'wx2234567890abcdef';
    expect(text(replies.encode('k', reply))).toBe(JSON.stringify(reply));
  });

  it('is bounded', () => {
    const replies = new EncodedReplies(3);
    for (let i = 0; i < 10; i++) replies.encode(`k${i}`, token(`t${i}`));
    expect(replies.size).toBe(3);
  });

  it('keeps the bytes of a frozen reply by the object: answered again without a compare, and a new object is looked at afresh', () => {
    const replies = new EncodedReplies();
    const held = Object.freeze(token('t1'));
    const first = replies.encode('k', held);
    expect(text(first)).toBe(JSON.stringify(held));
    expect(replies.encode('k', held)).toBe(first);
    // Another key, the same object: still the object's bytes (they depend on nothing else).
    expect(replies.encode('other', held)).toBe(first);
    const changed = Object.freeze(token('t2'));
    expect(text(replies.encode('k', changed))).toBe(JSON.stringify(changed));
    expect(replies.encode('k', held)).toBe(first);
  });

  it('does not keep by the object a frozen reply with a getter or an object field', () => {
    const replies = new EncodedReplies();
    let value = 't1';
    const getter = Object.freeze(
      Object.defineProperty({ kind: 'app', appid: 'wx1234567890abcdef', expiresAt: 1_000 }, 'token', { get: () => value, enumerable: true }),
    );
    expect(text(replies.encode('g', getter))).toContain('"token":"t1"');
    value = 't2';
    expect(text(replies.encode('g', getter))).toContain('"token":"t2"');
    const nested = { kind: 'app', credential: { appid: 'wx1' } };
    Object.freeze(nested);
    replies.encode('n', nested);
    nested.credential.appid = 'wx2';
    expect(text(replies.encode('n', nested))).toBe(JSON.stringify(nested));
  });
});
