import { Reason } from '@wxgate/contracts';
import type { DataSource } from 'typeorm';
import { APP, AUTHORIZER, COMPONENT, memoryDatabase, noMetrics, refresherKit, seedCredentials } from '../testing/refresher-fakes.js';
import { GetToken } from './get-token.js';
import { InvalidateIssuedToken } from './invalidate-issued-token.js';
import { InvalidateToken } from './invalidate-token.js';
import { IssueTokenToSdk } from './issue-token-to-sdk.js';

describe('IssueTokenToSdk (the token endpoints SDKs call)', () => {
  let db: DataSource;
  let kit: ReturnType<typeof refresherKit>;
  let issue: IssueTokenToSdk;

  beforeEach(async () => {
    db = await memoryDatabase();
    kit = refresherKit(db);
    await seedCredentials(kit);
    const getToken = new GetToken(kit.keeper, noMetrics);
    issue = new IssueTokenToSdk(kit.credentials, kit.keeper, getToken, new InvalidateToken(kit.keeper, kit.tokens, noMetrics, kit.asClock, kit.config));
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('answers the app token the keeper holds for the right secret, minting it once however many ask', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => issue.app(APP, 'app-secret', false)));
    expect(new Set(answers.map((a) => a.token)).size).toBe(1);
    expect(answers[0]).toEqual(await kit.keeper.current('app', APP));
    expect(kit.wechat.count('stable_token')).toBe(1);
  });

  it("rejects a wrong or missing secret with WeChat's errcode and makes no WeChat call", async () => {
    await expect(issue.app(APP, 'app-secreT', false)).rejects.toMatchObject({ reason: Reason.CREDENTIAL_REJECTED, errcode: 40125 });
    await expect(issue.app(APP, '', false)).rejects.toMatchObject({ reason: Reason.CREDENTIAL_REJECTED, errcode: 41004 });
    await expect(issue.component(COMPONENT, 'component-secret-and-more')).rejects.toMatchObject({ errcode: 40125 });
    expect(kit.wechat.calls).toHaveLength(0);
  });

  it('answers CREDENTIAL_NOT_FOUND for a credential it does not manage', async () => {
    await expect(issue.app('wxunknown0000001', 'x', false)).rejects.toMatchObject({ reason: Reason.CREDENTIAL_NOT_FOUND });
    await expect(issue.authorizer('wxunknown0000001', AUTHORIZER, 'x')).rejects.toMatchObject({ reason: Reason.CREDENTIAL_NOT_FOUND });
  });

  it('forceRefresh is a rate-limited invalidation: one force_refresh per 30 s, then the current token', async () => {
    const first = await issue.app(APP, 'app-secret', false);
    const forced = await issue.app(APP, 'app-secret', true);
    expect(forced.token).not.toBe(first.token);
    expect((await issue.app(APP, 'app-secret', true)).token).toBe(forced.token);
    expect(kit.wechat.calls.map((c) => (c.args[0] as { forceRefresh: boolean }).forceRefresh)).toEqual([false, true]);
  });

  it("issues the authorizer token only for the component's current token, never minting one for a caller", async () => {
    await expect(issue.authorizer(COMPONENT, AUTHORIZER, 'no-component-token-yet')).rejects.toMatchObject({ errcode: 40001 });
    expect(kit.wechat.calls).toHaveLength(0);
    const component = await issue.component(COMPONENT, 'component-secret');
    expect((await issue.authorizer(COMPONENT, AUTHORIZER, component.token)).token).toBe((await kit.keeper.current('authorizer', AUTHORIZER)).token);
    await expect(issue.authorizer(COMPONENT, AUTHORIZER, `${component.token}x`)).rejects.toMatchObject({ reason: Reason.CREDENTIAL_REJECTED, errcode: 40001 });
  });

  it('token.reject finds whose current token a rejected caller token is, and leaves foreign tokens alone', async () => {
    const reject = new InvalidateIssuedToken(kit.tokens, new InvalidateToken(kit.keeper, kit.tokens, noMetrics, kit.asClock, kit.config), kit.asClock);
    const component = await kit.keeper.current('component', COMPONENT);
    const app = await issue.app(APP, 'app-secret', false);
    const fresh = await reject.run(app.token);
    expect(fresh).toMatchObject({ kind: 'app', appid: APP });
    expect(fresh.token).not.toBe(app.token);
    expect((await kit.keeper.current('component', COMPONENT)).token).toBe(component.token);
    await expect(reject.run('never-issued')).rejects.toMatchObject({ reason: Reason.CREDENTIAL_NOT_FOUND });
    expect(kit.wechat.count('stable_token')).toBe(2);
  });
});
