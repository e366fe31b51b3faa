import type { DataSource } from 'typeorm';
import { WxgateError } from '@wxgate/contracts';
import { WechatApiError, WechatUnreachableError } from '@wxgate/wechat';
import { APP, AUTHORIZER, COMPONENT, FakeClock, memoryDatabase, refresherKit, seedCredentials } from '../testing/refresher-fakes.js';

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
    const replies = await Promise.all(Array.from({ length: 500 }, () => kit.keeper.current('component', COMPONENT)));
    expect(kit.wechat.count('api_component_token')).toBe(1);
    expect(new Set(replies.map((r) => r.token)).size).toBe(1);
    expect(kit.events.refreshed).toEqual([{ kind: 'component', appid: COMPONENT, expiresAt: replies[0]!.expiresAt }]);
  });

  it('serves the stored token after a restart without calling WeChat', async () => {
    const first = await kit.keeper.current('app', APP);
    const restarted = refresherKit(db, { clock: kit.clock, holder: 'holder-after-restart' });
    expect(await restarted.keeper.current('app', APP)).toEqual(first);
    expect(restarted.wechat.calls).toEqual([]);
  });

  it('sets expiresAt to the answer time + expires_in − min(60 s, half the lifetime)', async () => {
    const t = kit.clock.now();
    expect((await kit.keeper.current('component', COMPONENT)).expiresAt).toBe(t + 7_200_000 - 60_000);
    kit.wechat.expiresInS = 2;
    expect((await kit.keeper.current('app', APP)).expiresAt).toBe(t + 2_000 - 1_000);
  });

  it('answers CREDENTIAL_NOT_FOUND for an unknown credential and stores nothing for it', async () => {
    const err = await error(kit.keeper.current('app', 'wxunknown000000001'));
    expect(err.reason).toBe('CREDENTIAL_NOT_FOUND');
    expect(await kit.tokens.read('app', 'wxunknown000000001')).toBeUndefined();
    expect(kit.wechat.calls).toEqual([]);
  });

  it('answers TOKEN_UNAVAILABLE 85113 without calling WeChat while a component has no ticket', async () => {
    await kit.credentials.putComponent({ appid: 'wxnoticket00000001', secret: 's', verifyToken: 'v', aesKey: 'k'.repeat(43) }, kit.clock.now());
    const err = await error(kit.keeper.current('component', 'wxnoticket00000001'));
    expect({ reason: err.reason, errcode: err.errcode }).toEqual({ reason: 'TOKEN_UNAVAILABLE', errcode: 85113 });
    expect(err.message).toMatch(/no component_verify_ticket/);
    expect(kit.wechat.calls).toEqual([]);
  });

  it("answers TOKEN_UNAVAILABLE with WeChat's errcode, without secrets, and backs off before calling again", async () => {
    kit.wechat.queue('stable_token', new WechatApiError(45009, 'daily quota reached', '/cgi-bin/stable_token'));
    const err = await error(kit.keeper.current('app', APP));
    expect({ reason: err.reason, errcode: err.errcode }).toEqual({ reason: 'TOKEN_UNAVAILABLE', errcode: 45009 });
    expect(err.message).not.toContain('app-secret');
    // Within the backoff (1 s ± 20 % after the first failure): the same answer, no call.
    kit.clock.advance(500);
    expect((await error(kit.keeper.current('app', APP))).errcode).toBe(45009);
    expect(kit.wechat.count('stable_token')).toBe(1);
    kit.clock.advance(1_000);
    expect((await kit.keeper.current('app', APP)).token).toMatch(/^s-token/);
    expect(kit.wechat.count('stable_token')).toBe(2);
  });

  it('keeps serving a still-valid token while refreshes fail and never serves it expired', async () => {
    kit.wechat.expiresInS = 4; // served 2 s, due after 1 s
    const first = await kit.keeper.current('authorizer', AUTHORIZER);
    kit.clock.advance(1_200);
    kit.wechat.queue('api_authorizer_token', new WechatUnreachableError('/cgi-bin/component/api_authorizer_token', 'ECONNREFUSED'));
    expect(await kit.keeper.refresh('authorizer', AUTHORIZER, { proactive: true })).toEqual(first);
    expect(await kit.keeper.current('authorizer', AUTHORIZER)).toEqual(first);
    kit.clock.advance(800); // now past expiresAt, still within the backoff
    const err = await error(kit.keeper.current('authorizer', AUTHORIZER));
    expect({ reason: err.reason, errcode: err.errcode }).toEqual({ reason: 'TOKEN_UNAVAILABLE', errcode: 85113 });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('backs off exponentially per credential', async () => {
    const nextAttempts: number[] = [];
    for (let i = 0; i < 4; i++) {
      kit.wechat.queue('stable_token', new WechatApiError(-1, 'busy', '/cgi-bin/stable_token'));
      await error(kit.keeper.current('app', APP));
      const state = (await kit.tokens.read('app', APP))!;
      nextAttempts.push(state.nextAttemptAt! - kit.clock.now());
      kit.clock.advance(state.nextAttemptAt! - kit.clock.now());
    }
    expect(nextAttempts).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect((await kit.tokens.read('component', COMPONENT))?.failures ?? 0).toBe(0);
  });

  it('refreshes proactively only when less than min(margin, half the lifetime) is left', async () => {
    kit.wechat.expiresInS = 4;
    const first = await kit.keeper.current('component', COMPONENT);
    kit.clock.advance(900);
    expect(await kit.keeper.refresh('component', COMPONENT, { proactive: true })).toEqual(first);
    expect(kit.wechat.count('api_component_token')).toBe(1);
    kit.clock.advance(200);
    const second = await kit.keeper.refresh('component', COMPONENT, { proactive: true });
    expect(second.token).not.toBe(first.token);
    expect(kit.wechat.count('api_component_token')).toBe(2);
  });

  it('stores the refresh token WeChat returns with an authorizer token', async () => {
    kit.wechat.queue('api_authorizer_token', { authorizer_access_token: 'a-token', expires_in: 7200, authorizer_refresh_token: 'refresh-2' });
    await kit.keeper.current('authorizer', AUTHORIZER);
    expect((await kit.credentials.authorizer(AUTHORIZER))?.refreshToken).toBe('refresh-2');
    expect(kit.wechat.calls.find((c) => c.endpoint === 'api_authorizer_token')?.args[1]).toMatchObject({ authorizerRefreshToken: 'refresh-1' });
  });

  it('replaces a component token WeChat rejects and retries the authorizer call once', async () => {
    const component = await kit.keeper.current('component', COMPONENT);
    kit.wechat.queue('api_authorizer_token', new WechatApiError(40001, 'invalid credential', '/cgi-bin/component/api_authorizer_token'));
    const reply = await kit.keeper.current('authorizer', AUTHORIZER);
    expect(reply.token).toMatch(/^a-token/);
    const used = kit.wechat.calls.filter((c) => c.endpoint === 'api_authorizer_token').map((c) => c.args[0]);
    expect(used).toHaveLength(2);
    expect(used[0]).toBe(component.token);
    expect(used[1]).not.toBe(component.token);
    expect(kit.wechat.count('api_component_token')).toBe(2);
  });

  it('makes one WeChat call when a get, a proactive refresh and an invalidation of one credential meet in one process', async () => {
    kit.wechat.expiresInS = 4;
    const first = await kit.keeper.current('app', APP);
    kit.clock.advance(2_500); // expired: every path needs a new token
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    kit.wechat.queue('stable_token', async () => {
      await gate;
      return { access_token: 'the-new-one', expires_in: 7200 };
    });
    const all = Promise.all([
      kit.keeper.refresh('app', APP, { proactive: true }),
      kit.keeper.current('app', APP),
      kit.keeper.refresh('app', APP, { replacing: first.token, force: true }),
    ]);
    await new Promise((r) => setImmediate(r));
    release();
    expect((await all).map((r) => r.token)).toEqual(['the-new-one', 'the-new-one', 'the-new-one']);
    expect(kit.wechat.count('stable_token')).toBe(2);
  });

  it('does not bring back a credential deleted while its token was being minted', async () => {
    kit.wechat.queue('stable_token', async () => {
      await kit.credentials.deleteApp(APP);
      await kit.tokens.delete('app', APP);
      return { access_token: 'minted-for-a-deleted-app', expires_in: 7200 };
    });
    await kit.keeper.current('app', APP);
    expect(await kit.tokens.read('app', APP)).toBeUndefined();
    await expect(kit.keeper.current('app', APP)).rejects.toMatchObject({ reason: 'CREDENTIAL_NOT_FOUND' });
  });

  describe('across replicas sharing the database', () => {
    it('lets one replica call WeChat while the other waits for the token it stores', async () => {
      const clock = new FakeClock();
      const a = refresherKit(db, { holder: 'replica-a', clock });
      const b = refresherKit(db, { holder: 'replica-b', clock });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      a.wechat.queue('stable_token', async () => {
        await gate;
        return { access_token: 'from-a', expires_in: 7200 };
      });
      const fromA = a.keeper.current('app', APP);
      await new Promise((r) => setImmediate(r));
      const fromB = b.keeper.current('app', APP);
      await new Promise((r) => setImmediate(r));
      release();
      expect((await fromA).token).toBe('from-a');
      expect((await fromB).token).toBe('from-a');
      expect(b.wechat.calls).toEqual([]);
    });

    it('takes over when the holder of the lease died, after the lease TTL', async () => {
      const clock = new FakeClock();
      const b = refresherKit(db, { holder: 'replica-b', clock, config: { REFRESH_LEASE_TTL_MS: 3_000 } });
      await b.tokens.ensure('app', APP);
      expect(await b.tokens.acquireLease('app', APP, 'dead-replica', clock.now(), 3_000)).toBe(true);
      const started = clock.now();
      const reply = await b.keeper.current('app', APP);
      expect(reply.token).toMatch(/^s-token/);
      expect(clock.now() - started).toBeGreaterThan(3_000);
      expect(clock.now() - started).toBeLessThanOrEqual(3_200);
      expect(b.wechat.count('stable_token')).toBe(1);
    });

    it('grants the lease to exactly one holder at a time', async () => {
      await kit.tokens.ensure('component', COMPONENT);
      const now = kit.clock.now();
      const results = await Promise.all(['a', 'b', 'c'].map((h) => kit.tokens.acquireLease('component', COMPONENT, h, now, 15_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await kit.tokens.acquireLease('component', COMPONENT, 'z', now + 15_001, 15_000)).toBe(true);
    });
  });
});
