import { Reason } from '@wxgate/contracts';
import type { DataSource } from 'typeorm';
import { APP, AUTHORIZER, COMPONENT, memoryDatabase, noMetrics, REF, refresherKit, seedCredentials } from '../testing/refresher-fakes.js';
import { GetToken } from './get-token.usecase.js';
import { InvalidateIssuedToken } from './invalidate-issued-token.usecase.js';
import { InvalidateToken } from './invalidate-token.usecase.js';
import { SdkProofs } from './sdk-proofs.js';
import { IssueTokenToSdk } from './issue-token-to-sdk.usecase.js';
import { ResolveCredential } from './resolve-credential.js';

describe('IssueTokenToSdk (the token endpoints SDKs call)', () => {
  let db: DataSource;
  let kit: ReturnType<typeof refresherKit>;
  let issue: IssueTokenToSdk;
  let invalidate: InvalidateToken;

  beforeEach(async () => {
    db = await memoryDatabase();
    kit = refresherKit(db);
    await seedCredentials(kit);
    const resolve = new ResolveCredential(kit.credentials);
    invalidate = new InvalidateToken(kit.keeper, resolve, kit.tokens, noMetrics, kit.asClock, kit.config);
    issue = new IssueTokenToSdk(kit.credentials, new SdkProofs(kit.credentials, kit.keeper), new GetToken(kit.keeper, resolve, noMetrics), invalidate);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('answers the app token the keeper holds for the right secret, minting it once however many ask', async () => {
    const answers = await Promise.all([1, 2, 3].map(() => issue.execute({ kind: 'app', appid: APP, secret: 'app-secret', forceRefresh: false })));
    expect(new Set(answers.map((a) => a.token)).size).toBe(1);
    expect(answers[0]).toEqual(await kit.keeper.current(REF.app));
    expect(kit.wechat.count('stable_token')).toBe(1);
  });

  it("rejects a wrong or missing secret with WeChat's errcode and makes no WeChat call", async () => {
    await expect(issue.execute({ kind: 'app', appid: APP, secret: 'app-secreT', forceRefresh: false })).rejects.toMatchObject({ reason: Reason.CREDENTIAL_REJECTED, errcode: 40125 });
    await expect(issue.execute({ kind: 'app', appid: APP, secret: '', forceRefresh: false })).rejects.toMatchObject({ reason: Reason.CREDENTIAL_REJECTED, errcode: 41004 });
    await expect(issue.execute({ kind: 'component', appid: COMPONENT, secret: 'component-secret-and-more' })).rejects.toMatchObject({ errcode: 40125 });
    expect(kit.wechat.calls).toHaveLength(0);
  });

  it('answers CREDENTIAL_NOT_FOUND for a credential it does not manage', async () => {
    await expect(issue.execute({ kind: 'app', appid: 'wxunknown0000001', secret: 'x', forceRefresh: false })).rejects.toMatchObject({ reason: Reason.CREDENTIAL_NOT_FOUND });
    await expect(issue.execute({ kind: 'authorizer', componentAppid: 'wxunknown0000001', appid: AUTHORIZER, componentToken: 'x' })).rejects.toMatchObject({ reason: Reason.CREDENTIAL_NOT_FOUND });
  });

  it('forceRefresh is a rate-limited invalidation: one force_refresh per 30 s, then the current token', async () => {
    const first = await issue.execute({ kind: 'app', appid: APP, secret: 'app-secret', forceRefresh: false });
    const forced = await issue.execute({ kind: 'app', appid: APP, secret: 'app-secret', forceRefresh: true });
    expect(forced.token).not.toBe(first.token);
    expect((await issue.execute({ kind: 'app', appid: APP, secret: 'app-secret', forceRefresh: true })).token).toBe(forced.token);
    expect(kit.wechat.calls.map((c) => (c.args[0] as { forceRefresh: boolean }).forceRefresh)).toEqual([false, true]);
  });

  it("issues the authorizer token only for the component's current token, never minting one for a caller", async () => {
    await expect(issue.execute({ kind: 'authorizer', componentAppid: COMPONENT, appid: AUTHORIZER, componentToken: 'no-component-token-yet' })).rejects.toMatchObject({ errcode: 40001 });
    expect(kit.wechat.calls).toHaveLength(0);
    const component = await issue.execute({ kind: 'component', appid: COMPONENT, secret: 'component-secret' });
    expect((await issue.execute({ kind: 'authorizer', componentAppid: COMPONENT, appid: AUTHORIZER, componentToken: component.token })).token).toBe((await kit.keeper.current(REF.authorizer)).token);
    await expect(issue.execute({ kind: 'authorizer', componentAppid: COMPONENT, appid: AUTHORIZER, componentToken: `${component.token}x` })).rejects.toMatchObject({ reason: Reason.CREDENTIAL_REJECTED, errcode: 40001 });
  });

  it('token.reject finds whose current token a rejected caller token is, and leaves foreign tokens alone', async () => {
    const reject = new InvalidateIssuedToken(kit.tokens, invalidate, kit.asClock);
    const component = await kit.keeper.current(REF.component);
    const app = await issue.execute({ kind: 'app', appid: APP, secret: 'app-secret', forceRefresh: false });
    const fresh = await reject.execute(app.token);
    expect(fresh).toMatchObject({ kind: 'app', appid: APP });
    expect(fresh.token).not.toBe(app.token);
    expect((await kit.keeper.current(REF.component)).token).toBe(component.token);
    await expect(reject.execute('never-issued')).rejects.toMatchObject({ reason: Reason.CREDENTIAL_NOT_FOUND });
    expect(kit.wechat.count('stable_token')).toBe(2);
  });
});
