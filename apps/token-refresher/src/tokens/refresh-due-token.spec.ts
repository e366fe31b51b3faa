import type { DataSource } from 'typeorm';
import type { TokenStateRepository } from '../persistence/token-state.repository.js';
import { memoryDatabase, refresherKit, seedCredentials, REF } from '../testing/refresher-fakes.js';
import { RefreshDueToken } from './refresh-due-token.usecase.js';
import { UpstreamRateLimiter } from './upstream-rate-limiter.js';

describe('RefreshDueToken (one proactive step)', () => {
  let db: DataSource;
  let kit: ReturnType<typeof refresherKit>;
  let step: RefreshDueToken;

  beforeEach(async () => {
    db = await memoryDatabase();
    kit = refresherKit(db);
    await seedCredentials(kit);
    step = new RefreshDueToken(kit.keeper, kit.schedule, kit.tokens as TokenStateRepository, kit.credentials, new UpstreamRateLimiter(kit.asClock, kit.config), kit.asClock);
    kit.wechat.expiresInS = 4; // served 2 s, due 1 s after minting
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('leaves a credential without a token alone', async () => {
    expect(await step.execute(REF.component)).toBeUndefined();
    expect(kit.wechat.calls).toEqual([]);
  });

  it('looks again when the token falls due (minus its jitter), then refreshes it', async () => {
    const minted = kit.clock.now();
    await kit.keeper.current(REF.app);
    // Due 1 s after minting; jitter: the fake draw 0.5 × 10 % of the 1 s refresh-ahead time.
    expect(await step.execute(REF.app)).toBe(minted + 950);
    expect(kit.wechat.count('stable_token')).toBe(1);
    kit.clock.advance(950);
    expect(await step.execute(REF.app)).toBe(minted + 950 + 950);
    expect(kit.wechat.count('stable_token')).toBe(2);
  });

  it('gets the next app token with one stable_token call per lifetime (WeChat swaps when < 300 s are left)', async () => {
    let current = { token: '', expiresAt: 0 };
    let issued = 0;
    const stableToken = () => {
      const now = kit.clock.now();
      if (current.expiresAt - now < 300_000) current = { token: `stable-${++issued}`, expiresAt: now + 7_200_000 };
      return { access_token: current.token, expires_in: Math.floor((current.expiresAt - now) / 1000) };
    };
    kit.wechat.queue('stable_token', ...Array.from({ length: 10 }, () => stableToken));
    await kit.keeper.current(REF.app);
    for (let cycle = 0; cycle < 3; cycle++) {
      kit.clock.random = () => [0, 0.99, 0.5][cycle]!;
      const next = (await step.execute(REF.app))!;
      kit.clock.ms = next;
      await step.execute(REF.app);
    }
    expect(issued).toBe(4);
    expect(kit.wechat.count('stable_token')).toBe(4);
  });

  it('waits for the end of another holder\'s lease instead of calling', async () => {
    await kit.keeper.current(REF.component);
    kit.clock.advance(1_000);
    await kit.tokens.acquireLease(REF.component, 'other#1', kit.clock.now(), 15_000);
    expect(await step.execute(REF.component)).toBe(kit.clock.now() + 15_000);
    expect(kit.wechat.count('api_component_token')).toBe(1);
  });

  it('stops looking after an authorizer was unauthorized', async () => {
    await kit.keeper.current(REF.authorizer);
    const a = (await kit.credentials.authorizer(REF.authorizer))!;
    await kit.credentials.saveAuthorizer({ ...a, status: 'unauthorized', changedAt: kit.clock.now() }, kit.clock.now());
    kit.clock.advance(1_000);
    expect(await step.execute(REF.authorizer)).toBeUndefined();
    expect(kit.wechat.count('api_authorizer_token')).toBe(1);
  });

  it('paces proactive calls to REFRESH_MAX_PER_S', async () => {
    const limiter = new UpstreamRateLimiter(kit.asClock, { ...kit.config, REFRESH_MAX_PER_S: 4 });
    const start = kit.clock.now();
    for (let i = 0; i < 8; i++) await limiter.take();
    expect(kit.clock.now() - start).toBe(7 * 250);
  });
});
