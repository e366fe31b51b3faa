import { Reason, Subjects, WxgateError, type CredentialRef, type TokenReply } from '@wxgate/contracts';
import { NatsUnavailableError } from '@wxgate/nats';
import { ManualClock, Metrics } from '@wxgate/platform';
import { RelayMetrics } from '../metrics/relay.metrics.js';
import { RelayTokens, tokenKey, type TokenSource } from './relay-tokens.js';

function setup() {
  const clock = new ManualClock(1_000_000);
  let n = 0;
  const calls = { get: 0, invalidate: 0, reject: 0 };
  let fail: Error | undefined;
  const source: TokenSource = {
    async getToken(ref: CredentialRef): Promise<TokenReply> {
      calls.get++;
      await Promise.resolve();
      if (fail) throw fail;
      return { ...ref, token: `t${++n}`, expiresAt: clock.now() + 2000 };
    },
    async invalidateToken(ref: CredentialRef): Promise<TokenReply> {
      calls.invalidate++;
      await Promise.resolve();
      return { ...ref, token: `t${++n}`, expiresAt: clock.now() + 2000 };
    },
    subscribe: (subject, handle) => {
      listeners.push({ subject, handle });
      return { unsubscribe: () => undefined } as ReturnType<NonNullable<TokenSource['subscribe']>>;
    },
    async rejectToken(token: string): Promise<TokenReply> {
      calls.reject++;
      await Promise.resolve();
      if (token.startsWith('foreign')) throw new WxgateError(Reason.CREDENTIAL_NOT_FOUND, 'not a token wxgate holds');
      return { kind: 'app', appid: 'wxapp0002', token: `t${++n}`, expiresAt: clock.now() + 2000 };
    },
  };
  const listeners: { subject: string; handle: (subject: string, body: unknown) => void }[] = [];
  const cache = new RelayTokens(source, new RelayMetrics(new Metrics()), clock);
  return { cache, calls, announce: (subject: string, body: unknown) => listeners.forEach((l) => l.handle(subject, body)), advance: (ms: number) => clock.advance(ms), failWith: (e?: Error) => (fail = e) };
}

const APP = { kind: 'app', appid: 'wxapp0001' } as const;

describe('RelayTokens', () => {
  const key = tokenKey(APP);

  it('fills once for concurrent misses and then serves from memory', async () => {
    const { cache, calls } = setup();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => cache.fill(APP)));
    expect(new Set(tokens.map((t) => t.token))).toEqual(new Set(['t1']));
    expect(calls.get).toBe(1);
    expect(cache.peek(key)?.token).toBe('t1');
    expect(calls.get).toBe(1);
  });

  it('never serves a token at or past its expiresAt', async () => {
    const { cache, advance } = setup();
    await cache.fill(APP);
    advance(1999);
    expect(cache.peek(key)).toBeDefined();
    advance(1);
    expect(cache.peek(key)).toBeUndefined();
  });

  it('drops an entry on token.refreshed unless it is the announced token', async () => {
    const { cache } = setup();
    const entry = await cache.fill(APP);
    cache.refreshed(key, entry.expiresAt);
    expect(cache.peek(key)).toBeDefined();
    cache.refreshed(key, entry.expiresAt + 1);
    expect(cache.peek(key)).toBeUndefined();
  });

  it('invalidates once for concurrent rejections of the same token and answers a newer cached one without asking', async () => {
    const { cache, calls } = setup();
    await cache.fill(APP);
    const fresh = await Promise.all([cache.invalidate(APP, 't1'), cache.invalidate(APP, 't1')]);
    expect(fresh.map((t) => t.token)).toEqual(['t2', 't2']);
    expect(calls.invalidate).toBe(1);
    expect((await cache.invalidate(APP, 't1')).token).toBe('t2');
    expect(calls.invalidate).toBe(1);
  });

  it('turns every failure into TOKEN_UNAVAILABLE with the cause', async () => {
    const { cache, failWith } = setup();
    failWith(new NatsUnavailableError('wxgate.token.get.app.wxapp0001', '503'));
    await expect(cache.fill(APP)).rejects.toMatchObject({ reason: Reason.TOKEN_UNAVAILABLE, message: expect.stringContaining('unreachable') });
    failWith(new WxgateError(Reason.TOKEN_UNAVAILABLE, 'no ticket yet', 61006));
    await expect(cache.fill(APP)).rejects.toMatchObject({ reason: Reason.TOKEN_UNAVAILABLE, message: 'no ticket yet', errcode: 85113 });
  });

  it('keeps the two authorizations of one app apart, and drops only the pair a token.refreshed names', async () => {
    const { cache, calls, announce } = setup();
    cache.onModuleInit();
    const a = { kind: 'authorizer', appid: 'wxauthorizer01', componentAppid: 'wxcomponent01' } as const;
    const b = { kind: 'authorizer', appid: 'wxauthorizer01', componentAppid: 'wxcomponent02' } as const;
    const [ta, tb] = await Promise.all([cache.fill(a), cache.fill(b)]);
    expect(calls.get).toBe(2);
    expect(ta).toMatchObject({ componentAppid: 'wxcomponent01' });
    expect(tb).toMatchObject({ componentAppid: 'wxcomponent02' });
    expect(ta.token).not.toBe(tb.token);
    announce(Subjects.events.tokenRefreshed('authorizer', a.appid, a.componentAppid), { expiresAt: 0 });
    expect(cache.peek(tokenKey(a))).toBeUndefined();
    expect(cache.peek(tokenKey(b))?.token).toBe(tb.token);
  });

  it("recognises an authorizer token it handed out by its pair, and invalidates that pair's token", async () => {
    const { cache, calls } = setup();
    const pair = { kind: 'authorizer', appid: 'wxauth0001', componentAppid: 'wxcomp0002' } as const;
    const issued = cache.remember({ ...pair, token: 'sdk-authorizer-token', expiresAt: 1_000_000 + 2000 });
    expect(cache.peek(tokenKey(pair))).toBe(issued);
    expect(cache.peek(tokenKey({ kind: 'authorizer', appid: pair.appid, componentAppid: 'wxcomp0001' }))).toBeUndefined();
    const owner = cache.ownerOf('sdk-authorizer-token')!;
    expect(owner).toMatchObject(pair);
    const fresh = await cache.invalidate(owner, owner.token);
    expect(fresh).toMatchObject({ ...pair, token: 't1' });
    expect(calls.invalidate).toBe(1);
    expect(cache.peek(tokenKey(pair))?.token).toBe('t1');
  });

  it('recognises the tokens it handed out, and asks the refresher once about a token it does not hold', async () => {
    const { cache, calls, advance } = setup();
    const issued = cache.remember({ kind: 'app', appid: 'wxapp0001', token: 'sdk-token', expiresAt: 1_000_000 + 2000 });
    expect(cache.ownerOf('sdk-token')).toBe(issued);
    expect(cache.ownerOf('other')).toBeUndefined();

    const fresh = await Promise.all([1, 2].map(() => cache.rejectUnknown('from-another-forwarder')));
    expect(fresh.map((t) => t?.token)).toEqual(['t1', 't1']);
    expect(cache.peek(tokenKey({ kind: 'app', appid: 'wxapp0002' }))?.token).toBe('t1');
    expect(await cache.rejectUnknown('foreign-1')).toBeUndefined();
    expect(await cache.rejectUnknown('foreign-1')).toBeUndefined();
    expect(calls.reject).toBe(2);
    advance(60_000);
    expect(await cache.rejectUnknown('foreign-1')).toBeUndefined();
    expect(calls.reject).toBe(3);
  });
});
