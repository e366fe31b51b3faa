import { ResolveCredential } from './resolve-credential.js';
import type { DataSource } from 'typeorm';
import { memoryDatabase, noMetrics, refresherKit, seedCredentials, REF } from '../testing/refresher-fakes.js';
import { InvalidateToken } from './invalidate-token.usecase.js';

describe('InvalidateToken (compare-and-refresh)', () => {
  let db: DataSource;
  let kit: ReturnType<typeof refresherKit>;
  let invalidate: InvalidateToken;

  beforeEach(async () => {
    db = await memoryDatabase();
    kit = refresherKit(db, { config: { INVALIDATE_MIN_INTERVAL_S: 5 } });
    await seedCredentials(kit);
    invalidate = new InvalidateToken(kit.keeper, new ResolveCredential(kit.credentials), kit.tokens, noMetrics, kit.asClock, kit.config);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('answers the current token without a refresh when the rejected one is no longer current', async () => {
    const current = await kit.keeper.current(REF.component);
    expect(await invalidate.execute(REF.component, 'an-older-token')).toEqual(current);
    expect(kit.wechat.count('api_component_token')).toBe(1);
  });

  it('refreshes the current token once for concurrent invalidations, then rate-limits per credential', async () => {
    const current = await kit.keeper.current(REF.component);
    const replies = await Promise.all([1, 2, 3].map(() => invalidate.execute(REF.component, current.token)));
    expect(new Set(replies.map((r) => r.token)).size).toBe(1);
    expect(replies[0]!.token).not.toBe(current.token);
    expect(kit.wechat.count('api_component_token')).toBe(2);

    // The new token rejected too, within the interval: rate-limited, the current token comes back.
    kit.clock.advance(4_000);
    expect((await invalidate.execute(REF.component, replies[0]!.token)).token).toBe(replies[0]!.token);
    expect(kit.wechat.count('api_component_token')).toBe(2);
    kit.clock.advance(1_000);
    expect((await invalidate.execute(REF.component, replies[0]!.token)).token).not.toBe(replies[0]!.token);
    expect(kit.wechat.count('api_component_token')).toBe(3);
  });

  it('uses force_refresh for an app token at most once per 30 s per app', async () => {
    const first = await kit.keeper.current(REF.app);
    const forced = await invalidate.execute(REF.app, first.token);
    expect(kit.wechat.calls.map((c) => (c.args[0] as { forceRefresh: boolean }).forceRefresh)).toEqual([false, true]);
    // INVALIDATE_MIN_INTERVAL_S is 5, but apps wait 30 s between force_refresh calls.
    kit.clock.advance(29_000);
    expect(await invalidate.execute(REF.app, forced.token)).toEqual(forced);
    expect(kit.wechat.count('stable_token')).toBe(2);
    kit.clock.advance(1_000);
    const again = await invalidate.execute(REF.app, forced.token);
    expect(again.token).not.toBe(forced.token);
    expect(kit.wechat.calls.map((c) => (c.args[0] as { forceRefresh: boolean }).forceRefresh)).toEqual([false, true, true]);
  });

  it('does not force a refresh for a token that is not the current one, even when the current one expired', async () => {
    kit.wechat.expiresInS = 4;
    await kit.keeper.current(REF.app);
    kit.clock.advance(3_000);
    const reply = await invalidate.execute(REF.app, 'some-older-token');
    expect(reply.expiresAt).toBeGreaterThan(kit.clock.now());
    expect(kit.wechat.calls.map((c) => (c.args[0] as { forceRefresh: boolean }).forceRefresh)).toEqual([false, false]);
  });

  it('answers CREDENTIAL_NOT_FOUND for an unknown credential', async () => {
    await expect(invalidate.execute({ kind: 'app', appid: 'wxunknown000000001' }, 'x')).rejects.toMatchObject({ reason: 'CREDENTIAL_NOT_FOUND' });
  });
});
