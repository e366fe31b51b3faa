import type { TokenReply } from '@wxgate/contracts';
import { CACHE_RECHECK_MS, HeldTokens } from './held-tokens.js';

const T = 1_800_000_000_000;
const APPID = 'wxapp00000000000001';
const A = { kind: 'app', appid: APPID } as const;
const C = { kind: 'component', appid: APPID } as const;
const token = (name: string, expiresAt = T + 10_000): TokenReply => ({ kind: 'app', appid: APPID, token: name, expiresAt });

describe('HeldTokens', () => {
  let cache: HeldTokens;
  beforeEach(() => {
    cache = new HeldTokens();
  });

  it('misses a credential it never saw', () => {
    expect(cache.get(A, T)).toBeUndefined();
  });

  it('serves an entry until the time it was kept for, and never at or after it', () => {
    cache.put(token('t1'), T + 1_000, T, cache.generation(A));
    expect(cache.get(A, T)?.token).toBe('t1');
    expect(cache.get(A, T + 999)?.token).toBe('t1');
    expect(cache.get(A, T + 1_000)).toBeUndefined();
    // Once missed it stays gone: the caller reads the database and puts what it finds.
    expect(cache.get(A, T + 500)).toBeUndefined();
  });

  it(`looks at the database again ${CACHE_RECHECK_MS} ms after it last vouched for the token`, () => {
    cache.put(token('t1', T + 60_000), T + 60_000, T, cache.generation(A));
    expect(cache.get(A, T + CACHE_RECHECK_MS - 1)?.token).toBe('t1');
    expect(cache.get(A, T + CACHE_RECHECK_MS)).toBeUndefined();
  });

  it('keeps nothing that is already due', () => {
    cache.put(token('t1'), T, T, cache.generation(A));
    expect(cache.get(A, T)).toBeUndefined();
  });

  it('drops an entry, and a read that started before the drop cannot put the old token back', () => {
    const before = cache.generation(A);
    cache.put(token('t1'), T + 1_000, T, before);
    cache.drop(A);
    expect(cache.get(A, T)).toBeUndefined();
    cache.put(token('t1'), T + 1_000, T, before);
    expect(cache.get(A, T)).toBeUndefined();
    cache.put(token('t2'), T + 1_000, T, cache.generation(A));
    expect(cache.get(A, T)?.token).toBe('t2');
  });

  it('keeps the entry when token.refreshed announces the cached token and drops it for any other', () => {
    cache.put(token('t1', T + 10_000), T + 5_000, T, cache.generation(A));
    cache.refreshed(A, T + 10_000);
    expect(cache.get(A, T)?.token).toBe('t1');
    cache.refreshed(A, T + 20_000);
    expect(cache.get(A, T)).toBeUndefined();
  });

  it('drops the entry for a token.refreshed without a token (expiresAt 0) or without a readable body', () => {
    cache.put(token('t1'), T + 5_000, T, cache.generation(A));
    cache.refreshed(A, 0);
    expect(cache.get(A, T)).toBeUndefined();
    cache.put(token('t2'), T + 5_000, T, cache.generation(A));
    cache.refreshed(A, undefined);
    expect(cache.get(A, T)).toBeUndefined();
  });

  it('keeps credentials of different kinds with one appid apart', () => {
    cache.put(token('app-token'), T + 1_000, T, cache.generation(A));
    expect(cache.get(C, T)).toBeUndefined();
    cache.drop(C);
    expect(cache.get(A, T)?.token).toBe('app-token');
  });

  it('holds a frozen copy, replaced by every put: a changed token is a new object', () => {
    const reply = token('t1');
    cache.put(reply, T + 1_000, T, cache.generation(A));
    const held = cache.get(A, T)!;
    expect(Object.isFrozen(held)).toBe(true);
    expect(held).toEqual(reply);
    reply.token = 'changed by the caller';
    expect(cache.get(A, T)?.token).toBe('t1');
    expect(cache.get(A, T + 1)).toBe(held);
    cache.put(token('t2'), T + 1_000, T, cache.generation(A));
    expect(cache.get(A, T)).not.toBe(held);
    expect(cache.get(A, T)?.token).toBe('t2');
  });

  it('looks an entry up by the key the caller keeps, with the same expiry and drops', () => {
    const pair = { kind: 'authorizer', appid: APPID, componentAppid: 'wxcomp0000000000001' } as const;
    const key = 'authorizer.wxcomp0000000000001.' + APPID;
    cache.put({ ...pair, token: 'p1', expiresAt: T + 10_000 }, T + 1_000, T, cache.generation(pair));
    expect(cache.get(pair, T, key)?.token).toBe('p1');
    expect(cache.get(pair, T + 1_000, key)).toBeUndefined();
    cache.put({ ...pair, token: 'p2', expiresAt: T + 10_000 }, T + 1_000, T, cache.generation(pair));
    cache.drop(pair);
    expect(cache.get(pair, T, key)).toBeUndefined();
  });
});
