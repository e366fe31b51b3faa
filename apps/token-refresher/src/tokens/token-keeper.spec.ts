import type { DataSource } from 'typeorm';
import { WxgateError } from '@wxgate/contracts';
import { WechatApiError, WechatUnreachableError } from '@wxgate/wechat';
import { ManualClock } from '@wxgate/platform';
import { APP, COMPONENT, memoryDatabase, refresherKit, seedCredentials, REF } from '../testing/refresher-fakes.js';

describe('TokenKeeper', () => {
  let db: DataSource;
  let kit: ReturnType<typeof refresherKit>;

  beforeEach(async () => {
    db = await memoryDatabase();
    kit = refresherKit(db);
    await seedCredentials(kit);
  });
  afterEach(async () => {
    await db.destroy();
  });

  const error = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (err) {
      return err as WxgateError;
    }
    throw new Error('expected a failure');
  };

  it('makes one WeChat call for 500 concurrent gets of a cold credential', async () => {
    const replies = await Promise.all(Array.from({ length: 500 }, () => kit.keeper.current(REF.component)));
    expect(kit.wechat.count('api_component_token')).toBe(1);
    expect(new Set(replies.map((r) => r.token)).size).toBe(1);
    expect(kit.events.refreshed).toEqual([{ kind: 'component', appid: COMPONENT, expiresAt: replies[0]!.expiresAt }]);
  });

  it('serves the stored token after a restart without calling WeChat', async () => {
    const first = await kit.keeper.current(REF.app);
    const restarted = refresherKit(db, { clock: kit.clock, holder: 'holder-after-restart' });
    expect(await restarted.keeper.current(REF.app)).toEqual(first);
    expect(restarted.wechat.calls).toEqual([]);
  });

  it('sets expiresAt to the answer time + expires_in − min(60 s, half the lifetime)', async () => {
    const t = kit.clock.now();
    expect((await kit.keeper.current(REF.component)).expiresAt).toBe(t + 7_200_000 - 60_000);
    kit.wechat.expiresInS = 2;
    expect((await kit.keeper.current(REF.app)).expiresAt).toBe(t + 2_000 - 1_000);
  });

  it('answers CREDENTIAL_NOT_FOUND for an unknown credential and stores nothing for it', async () => {
    const err = await error(kit.keeper.current({ kind: 'app', appid: 'wxunknown000000001' }));
    expect(err.reason).toBe('CREDENTIAL_NOT_FOUND');
    expect(await kit.tokens.read({ kind: 'app', appid: 'wxunknown000000001' })).toBeUndefined();
    expect(kit.wechat.calls).toEqual([]);
  });

  it('answers TOKEN_UNAVAILABLE 85113 without calling WeChat while a component has no ticket', async () => {
    await kit.credentials.putComponent({ appid: 'wxnoticket00000001', secret: 's', verifyToken: 'v', aesKey: 'k'.repeat(43) }, kit.clock.now());
    const err = await error(kit.keeper.current({ kind: 'component', appid: 'wxnoticket00000001' }));
    expect({ reason: err.reason, errcode: err.errcode }).toEqual({ reason: 'TOKEN_UNAVAILABLE', errcode: 85113 });
    expect(err.message).toMatch(/no component_verify_ticket/);
    expect(kit.wechat.calls).toEqual([]);
  });

  it("answers TOKEN_UNAVAILABLE with WeChat's errcode, without secrets, and backs off before calling again", async () => {
    kit.wechat.queue('stable_token', new WechatApiError(45009, 'daily quota reached', '/cgi-bin/stable_token'));
    const err = await error(kit.keeper.current(REF.app));
    expect({ reason: err.reason, errcode: err.errcode }).toEqual({ reason: 'TOKEN_UNAVAILABLE', errcode: 45009 });
    expect(err.message).not.toContain('app-secret');
    // Within the backoff (1 s ± 20 % after the first failure): the same answer, no call.
    kit.clock.advance(500);
    expect((await error(kit.keeper.current(REF.app))).errcode).toBe(45009);
    expect(kit.wechat.count('stable_token')).toBe(1);
    kit.clock.advance(1_000);
    expect((await kit.keeper.current(REF.app)).token).toMatch(/^s-token/);
    expect(kit.wechat.count('stable_token')).toBe(2);
  });

  it('keeps serving a still-valid token while refreshes fail and never serves it expired', async () => {
    kit.wechat.expiresInS = 4; // served 2 s, due after 1 s
    const first = await kit.keeper.current(REF.authorizer);
    kit.clock.advance(1_200);
    kit.wechat.queue('api_authorizer_token', new WechatUnreachableError('/cgi-bin/component/api_authorizer_token', 'ECONNREFUSED'));
    expect(await kit.keeper.refresh(REF.authorizer, { proactive: true })).toEqual(first);
    expect(await kit.keeper.current(REF.authorizer)).toEqual(first);
    kit.clock.advance(800); // now past expiresAt, still within the backoff
    const err = await error(kit.keeper.current(REF.authorizer));
    expect({ reason: err.reason, errcode: err.errcode }).toEqual({ reason: 'TOKEN_UNAVAILABLE', errcode: 85113 });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('backs off exponentially per credential', async () => {
    const nextAttempts: number[] = [];
    for (let i = 0; i < 4; i++) {
      kit.wechat.queue('stable_token', new WechatApiError(-1, 'busy', '/cgi-bin/stable_token'));
      await error(kit.keeper.current(REF.app));
      const state = (await kit.tokens.read(REF.app))!;
      nextAttempts.push(state.nextAttemptAt! - kit.clock.now());
      kit.clock.advance(state.nextAttemptAt! - kit.clock.now());
    }
    expect(nextAttempts).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect((await kit.tokens.read(REF.component))?.failures ?? 0).toBe(0);
  });

  it('refreshes proactively only when less than min(margin, half the lifetime) is left', async () => {
    kit.wechat.expiresInS = 4;
    const first = await kit.keeper.current(REF.component);
    kit.clock.advance(900);
    expect(await kit.keeper.refresh(REF.component, { proactive: true })).toEqual(first);
    expect(kit.wechat.count('api_component_token')).toBe(1);
    kit.clock.advance(200);
    const second = await kit.keeper.refresh(REF.component, { proactive: true });
    expect(second.token).not.toBe(first.token);
    expect(kit.wechat.count('api_component_token')).toBe(2);
  });

  it('stores the refresh token WeChat returns with an authorizer token', async () => {
    kit.wechat.queue('api_authorizer_token', { authorizer_access_token: 'a-token', expires_in: 7200, authorizer_refresh_token: 'refresh-2' });
    await kit.keeper.current(REF.authorizer);
    expect((await kit.credentials.authorizer(REF.authorizer))?.refreshToken).toBe('refresh-2');
    expect(kit.wechat.calls.find((c) => c.endpoint === 'api_authorizer_token')?.args[1]).toMatchObject({ authorizerRefreshToken: 'refresh-1' });
  });

  it('replaces a component token WeChat rejects and retries the authorizer call once', async () => {
    const component = await kit.keeper.current(REF.component);
    kit.wechat.queue('api_authorizer_token', new WechatApiError(40001, 'invalid credential', '/cgi-bin/component/api_authorizer_token'));
    const reply = await kit.keeper.current(REF.authorizer);
    expect(reply.token).toMatch(/^a-token/);
    const used = kit.wechat.calls.filter((c) => c.endpoint === 'api_authorizer_token').map((c) => c.args[0]);
    expect(used).toHaveLength(2);
    expect(used[0]).toBe(component.token);
    expect(used[1]).not.toBe(component.token);
    expect(kit.wechat.count('api_component_token')).toBe(2);
  });

  it('makes one WeChat call when a get, a proactive refresh and an invalidation of one credential meet in one process', async () => {
    kit.wechat.expiresInS = 4;
    const first = await kit.keeper.current(REF.app);
    kit.clock.advance(2_500); // expired: every path needs a new token
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    kit.wechat.queue('stable_token', async () => {
      await gate;
      return { access_token: 'the-new-one', expires_in: 7200 };
    });
    const all = Promise.all([
      kit.keeper.refresh(REF.app, { proactive: true }),
      kit.keeper.current(REF.app),
      kit.keeper.refresh(REF.app, { replacing: first.token, force: true }),
    ]);
    await new Promise((r) => setImmediate(r));
    release();
    expect((await all).map((r) => r.token)).toEqual(['the-new-one', 'the-new-one', 'the-new-one']);
    expect(kit.wechat.count('stable_token')).toBe(2);
  });

  it('does not bring back a credential deleted while its token was being minted', async () => {
    kit.wechat.queue('stable_token', async () => {
      await kit.credentials.deleteApp(APP);
      await kit.tokens.delete(REF.app);
      return { access_token: 'minted-for-a-deleted-app', expires_in: 7200 };
    });
    await kit.keeper.current(REF.app);
    expect(await kit.tokens.read(REF.app)).toBeUndefined();
    await expect(kit.keeper.current(REF.app)).rejects.toMatchObject({ reason: 'CREDENTIAL_NOT_FOUND' });
  });

  describe('across replicas sharing the database', () => {
    it('lets one replica call WeChat while the other waits for the token it stores', async () => {
      const clock = new ManualClock();
      const a = refresherKit(db, { holder: 'replica-a', clock });
      const b = refresherKit(db, { holder: 'replica-b', clock });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      a.wechat.queue('stable_token', async () => {
        await gate;
        return { access_token: 'from-a', expires_in: 7200 };
      });
      const fromA = a.keeper.current(REF.app);
      await new Promise((r) => setImmediate(r));
      const fromB = b.keeper.current(REF.app);
      await new Promise((r) => setImmediate(r));
      release();
      expect((await fromA).token).toBe('from-a');
      expect((await fromB).token).toBe('from-a');
      expect(b.wechat.calls).toEqual([]);
    });

    it('takes over when the holder of the lease died, after the lease TTL', async () => {
      const clock = new ManualClock();
      const b = refresherKit(db, { holder: 'replica-b', clock, config: { REFRESH_LEASE_TTL_MS: 3_000 } });
      await b.tokens.ensure(REF.app);
      expect(await b.tokens.acquireLease(REF.app, 'dead-replica', clock.now(), 3_000)).toBe(true);
      const started = clock.now();
      const reply = await b.keeper.current(REF.app);
      expect(reply.token).toMatch(/^s-token/);
      expect(clock.now() - started).toBeGreaterThan(3_000);
      expect(clock.now() - started).toBeLessThanOrEqual(3_200);
      expect(b.wechat.count('stable_token')).toBe(1);
    });

    it('grants the lease to exactly one holder at a time', async () => {
      await kit.tokens.ensure(REF.component);
      const now = kit.clock.now();
      const results = await Promise.all(['a', 'b', 'c'].map((h) => kit.tokens.acquireLease(REF.component, h, now, 15_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await kit.tokens.acquireLease(REF.component, 'z', now + 15_001, 15_000)).toBe(true);
    });
  });
});

describe('TokenKeeper in-memory token', () => {
  let db: DataSource;
  let kit: ReturnType<typeof refresherKit>;

  /** Counts calls of `object[method]` from now on. */
  const counter = <T extends object>(object: T, method: keyof T & string) => {
    const original = (object[method] as (...args: unknown[]) => unknown).bind(object);
    const counted = { calls: 0 };
    (object as Record<string, unknown>)[method] = (...args: unknown[]) => {
      counted.calls++;
      return original(...args);
    };
    return counted;
  };

  beforeEach(async () => {
    db = await memoryDatabase();
    kit = refresherKit(db);
    await seedCredentials(kit);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('serves a warm token without reading the database or decrypting', async () => {
    const first = await kit.keeper.current(REF.app);
    const reads = counter(kit.tokens, 'read');
    const opens = counter(kit.box, 'openOptional');
    kit.clock.advance(4_000);
    for (let i = 0; i < 100; i++) expect(kit.keeper.peek(REF.app)).toEqual(first);
    expect(await kit.keeper.current(REF.app)).toEqual(first);
    expect({ reads: reads.calls, opens: opens.calls }).toEqual({ reads: 0, opens: 0 });
  });

  it('fills the cache from the database on a miss (a restarted replica reads once, then serves from memory)', async () => {
    const first = await kit.keeper.current(REF.component);
    const restarted = refresherKit(db, { clock: kit.clock, holder: 'holder-after-restart' });
    const reads = counter(restarted.tokens, 'read');
    expect(restarted.keeper.peek(REF.component)).toBeUndefined();
    const replies = await Promise.all(Array.from({ length: 50 }, () => restarted.keeper.current(REF.component)));
    expect(new Set(replies.map((r) => r.token))).toEqual(new Set([first.token]));
    expect(reads.calls).toBe(1);
    expect(restarted.keeper.peek(REF.component)).toEqual(first);
    expect(restarted.wechat.calls).toEqual([]);
  });

  it('stops serving from memory when the token falls due: the database path tells the proactive refresher, every time', async () => {
    kit.wechat.expiresInS = 4; // served 2 s, due 1 s after it was minted
    const due: string[] = [];
    kit.keeper.due.subscribe((ref) => void due.push(`${ref.kind}.${ref.appid}`));
    const first = await kit.keeper.current(REF.app);
    kit.clock.advance(999);
    expect(kit.keeper.peek(REF.app)).toEqual(first);
    kit.clock.advance(1);
    expect(kit.keeper.peek(REF.app)).toBeUndefined();
    const reads = counter(kit.tokens, 'read');
    expect(await kit.keeper.current(REF.app)).toEqual(first);
    expect(await kit.keeper.current(REF.app)).toEqual(first);
    expect(reads.calls).toBe(2);
    expect(due).toEqual(['app.' + APP, 'app.' + APP]);
    expect(kit.wechat.count('stable_token')).toBe(1);
  });

  it('never serves a token at or past its expiry, even one that is never due', async () => {
    // A proactive refresh that fails leaves the token in the database until it expires.
    kit.wechat.expiresInS = 4;
    const first = await kit.keeper.current(REF.authorizer);
    kit.clock.advance(first.expiresAt - kit.clock.now());
    expect(kit.keeper.peek(REF.authorizer)).toBeUndefined();
    const second = await kit.keeper.current(REF.authorizer);
    expect(second.token).not.toBe(first.token);
    expect(second.expiresAt).toBeGreaterThan(kit.clock.now());
  });

  it('drops the cached token when token.refreshed of another token is heard, and keeps it for its own', async () => {
    const clock = new ManualClock();
    const a = refresherKit(db, { holder: 'replica-a', clock });
    const b = refresherKit(db, { holder: 'replica-b', clock });
    const first = await a.keeper.current(REF.component);
    expect(await b.keeper.current(REF.component)).toEqual(first);
    // a's own announcement of the token it already serves changes nothing.
    a.keeper.refreshed(REF.component, first.expiresAt);
    expect(a.keeper.peek(REF.component)).toEqual(first);
    clock.advance(1_000);
    const second = await a.keeper.refresh(REF.component, { replacing: first.token });
    expect(second.token).not.toBe(first.token);
    expect(a.keeper.peek(REF.component)).toEqual(second);
    expect(b.keeper.peek(REF.component)).toEqual(first);
    const announced = a.events.refreshed.at(-1)!;
    b.keeper.refreshed(announced, announced.expiresAt);
    expect(b.keeper.peek(REF.component)).toBeUndefined();
    expect(await b.keeper.current(REF.component)).toEqual(second);
    expect(b.wechat.calls).toEqual([]);
  });

  it('re-reads the database at most every few seconds, so a replica that missed an event stops serving a dropped token', async () => {
    const clock = new ManualClock();
    const a = refresherKit(db, { holder: 'replica-a', clock });
    const b = refresherKit(db, { holder: 'replica-b', clock });
    await b.keeper.current(REF.app);
    await a.keeper.dropToken(REF.app);
    await a.credentials.deleteApp(APP);
    expect(b.keeper.peek(REF.app)).toBeDefined();
    clock.advance(5_000);
    expect(b.keeper.peek(REF.app)).toBeUndefined();
    await expect(b.keeper.current(REF.app)).rejects.toMatchObject({ reason: 'CREDENTIAL_NOT_FOUND' });
  });

  it('drops a token it drops or deletes at once and tells every replica (token.refreshed with expiresAt 0)', async () => {
    await kit.keeper.current(REF.authorizer);
    await kit.keeper.current(REF.app);
    kit.events.refreshed.length = 0;
    await kit.keeper.dropToken(REF.authorizer);
    expect(kit.keeper.peek(REF.authorizer)).toBeUndefined();
    await kit.credentials.deleteApp(APP);
    await kit.keeper.deleteToken(REF.app);
    expect(kit.keeper.peek(REF.app)).toBeUndefined();
    expect(kit.events.refreshed).toEqual([
      { ...REF.authorizer, expiresAt: 0 },
      { kind: 'app', appid: APP, expiresAt: 0 },
    ]);
    await expect(kit.keeper.current(REF.app)).rejects.toMatchObject({ reason: 'CREDENTIAL_NOT_FOUND' });
  });

  it('does not cache a token read before a drop that arrived while the read was running', async () => {
    await kit.keeper.current(REF.app);
    kit.keeper.refreshed(REF.app, 0);
    const original = kit.tokens.read.bind(kit.tokens);
    kit.tokens.read = async (ref) => {
      const state = await original(ref);
      kit.keeper.refreshed(REF.app, 0); // heard while the database answered
      return state;
    };
    await kit.keeper.current(REF.app);
    kit.tokens.read = original;
    expect(kit.keeper.peek(REF.app)).toBeUndefined();
  });

  it('does not cache a token minted for a credential deleted meanwhile', async () => {
    kit.wechat.queue('stable_token', async () => {
      await kit.credentials.deleteApp(APP);
      await kit.tokens.delete(REF.app);
      return { access_token: 'minted-for-a-deleted-app', expires_in: 7200 };
    });
    await kit.keeper.current(REF.app);
    expect(kit.keeper.peek(REF.app)).toBeUndefined();
  });
});
