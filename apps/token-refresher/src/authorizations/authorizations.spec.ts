import type { DataSource } from 'typeorm';
import type { WechatEvent } from '@wxgate/contracts';
import { WechatUnreachableError } from '@wxgate/wechat';
import { AUTHORIZER, COMPONENT, memoryDatabase, refresherKit, REF } from '../testing/refresher-fakes.js';
import { AuthorizationExchange } from './authorization-exchange.js';
import { HandleAuthorization } from './handle-authorization.usecase.js';
import { HandleUnauthorization } from './handle-unauthorization.usecase.js';
import { ImportAuthorizer } from './import-authorizer.usecase.js';
import { SyncAuthorizers } from './sync-authorizers.usecase.js';
import { DeleteCredential } from '../credentials/delete-credential.usecase.js';
import { ResolveCredential } from '../tokens/resolve-credential.js';

describe('authorizations', () => {
  let db: DataSource;
  let kit: ReturnType<typeof refresherKit>;
  let authorize: HandleAuthorization;
  let exchange: AuthorizationExchange;
  let unauthorize: HandleUnauthorization;
  const T = 1_800_000_000; // CreateTime, seconds

  const event = (InfoType: string, CreateTime: number, extra: Partial<WechatEvent> = {}): WechatEvent => ({
    AppId: COMPONENT,
    CreateTime,
    InfoType,
    AuthorizerAppid: AUTHORIZER,
    ...extra,
  });
  const queryAuthAnswer = (token: string, refresh: string, scopes: number[]) => ({
    authorization_info: {
      authorizer_appid: AUTHORIZER,
      authorizer_access_token: token,
      expires_in: 7200,
      authorizer_refresh_token: refresh,
      func_info: scopes.map((id) => ({ funcscope_category: { id } })),
    },
  });

  beforeEach(async () => {
    db = await memoryDatabase();
    kit = refresherKit(db);
    await kit.credentials.putComponent({ appid: COMPONENT, secret: 'cs', verifyToken: 'v', aesKey: 'k'.repeat(43) }, kit.clock.now());
    await kit.credentials.storeTicketIfNewer(COMPONENT, 'ticket', 1, kit.clock.now());
    exchange = new AuthorizationExchange(kit.credentials, kit.keeper, kit.keeper.components, kit.gateway, kit.asEvents, kit.asClock);
    authorize = new HandleAuthorization(kit.credentials, exchange);
    unauthorize = new HandleUnauthorization(kit.credentials, kit.keeper, kit.asEvents, kit.asClock);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('exchanges the code, stores refresh token, token and permission sets, and publishes the authorization', async () => {
    kit.wechat.queue('api_query_auth', queryAuthAnswer('auth-token', 'refresh-1', [1, 17]));
    await authorize.execute(event('authorized', T, { AuthorizationCode: 'code-1' }));
    expect(await kit.credentials.authorizer(REF.authorizer)).toMatchObject({ componentAppid: COMPONENT, refreshToken: 'refresh-1', status: 'authorized', funcScopes: [1, 17] });
    expect(await kit.keeper.current(REF.authorizer)).toMatchObject({ token: 'auth-token' });
    expect(kit.events.authorizers).toEqual([{ componentAppid: COMPONENT, authorizerAppid: AUTHORIZER, event: { status: 'authorized', funcScopes: [1, 17], at: T * 1000 } }]);
    expect(kit.wechat.count('api_authorizer_token')).toBe(0);
  });

  it('processes a redelivered event without calling WeChat again, republishing the same event', async () => {
    kit.wechat.queue('api_query_auth', queryAuthAnswer('auth-token', 'refresh-1', [1]));
    await authorize.execute(event('authorized', T, { AuthorizationCode: 'code-1' }));
    await authorize.execute(event('authorized', T, { AuthorizationCode: 'code-1' }));
    expect(kit.wechat.count('api_query_auth')).toBe(1);
    expect(kit.events.authorizers).toHaveLength(2);
    expect(kit.events.authorizers[1]).toEqual(kit.events.authorizers[0]);
  });

  it('exchanges a code an SDK brings once for concurrent callers, and answers a code its event brought from the store', async () => {
    kit.wechat.queue('api_query_auth', queryAuthAnswer('auth-token', 'refresh-1', [1, 17]));
    const answers = await Promise.all([1, 2, 3].map(() => exchange.exchangeCode(COMPONENT, 'sdk-code')));
    expect(answers.map((a) => a.appid)).toEqual([AUTHORIZER, AUTHORIZER, AUTHORIZER]);
    expect(kit.wechat.count('api_query_auth')).toBe(1);
    expect(await kit.credentials.authorizer(REF.authorizer)).toMatchObject({ componentAppid: COMPONENT, refreshToken: 'refresh-1', status: 'authorized', funcScopes: [1, 17] });
    expect(await kit.keeper.current(REF.authorizer)).toMatchObject({ token: 'auth-token' });

    kit.wechat.queue('api_query_auth', queryAuthAnswer('auth-token-2', 'refresh-2', [1]));
    await authorize.execute(event('updateauthorized', T + 10_000, { AuthorizationCode: 'event-code' }));
    expect(await exchange.exchangeCode(COMPONENT, 'event-code')).toMatchObject({ appid: AUTHORIZER, funcScopes: [1] });
    expect(kit.wechat.count('api_query_auth')).toBe(2);
  });

  it('answers an SDK code WeChat calls spent (61010) with that errcode, having nothing to look it up by', async () => {
    await expect(exchange.exchangeCode(COMPONENT, 'stale-code')).rejects.toMatchObject({ reason: 'TOKEN_UNAVAILABLE', errcode: 61010 });
    expect(kit.wechat.count('api_get_authorizer_info')).toBe(0);
  });

  it('recovers the authorization with api_get_authorizer_info when the code is spent (61010)', async () => {
    kit.wechat.queue('api_get_authorizer_info', {
      authorizer_info: {},
      authorization_info: { authorizer_appid: AUTHORIZER, authorizer_refresh_token: 'refresh-9', func_info: [{ funcscope_category: { id: 5 } }] },
    });
    await authorize.execute(event('authorized', T, { AuthorizationCode: 'spent' }));
    expect(await kit.credentials.authorizer(REF.authorizer)).toMatchObject({ refreshToken: 'refresh-9', status: 'authorized', funcScopes: [5] });
    // And when even that fails for good, the message is done with (not retried forever).
    await expect(authorize.execute(event('updateauthorized', T + 5, { AuthorizationCode: 'spent-again' }))).resolves.toBeUndefined();
  });

  it('lets a failure to reach WeChat propagate, so the event is redelivered', async () => {
    kit.wechat.queue('api_query_auth', new WechatUnreachableError('/cgi-bin/component/api_query_auth', 'ECONNREFUSED'));
    await expect(authorize.execute(event('authorized', T, { AuthorizationCode: 'code-1' }))).rejects.toThrow(/unreachable/);
    expect(await kit.credentials.authorizer(REF.authorizer)).toBeUndefined();
  });

  it('unauthorized: keeps the authorizer listed, drops its tokens, publishes; older events change nothing', async () => {
    kit.wechat.queue('api_query_auth', queryAuthAnswer('auth-token', 'refresh-1', [1]));
    await authorize.execute(event('authorized', T, { AuthorizationCode: 'code-1' }));
    expect((await kit.keeper.current(REF.authorizer)).token).toBe('auth-token'); // now cached
    await unauthorize.execute(event('unauthorized', T + 10));
    expect(kit.keeper.peek(REF.authorizer)).toBeUndefined();
    // Every other replica is told to drop it too.
    expect(kit.events.refreshed.at(-1)).toEqual({ ...REF.authorizer, expiresAt: 0 });
    expect(await kit.credentials.authorizer(REF.authorizer)).toMatchObject({ status: 'unauthorized', refreshToken: undefined });
    expect((await kit.tokens.read(REF.authorizer))?.token).toBeUndefined();
    await expect(kit.keeper.current(REF.authorizer)).rejects.toMatchObject({ reason: 'TOKEN_UNAVAILABLE', message: expect.stringMatching(/unauthorized/) });
    expect(kit.events.authorizers.at(-1)?.event).toEqual({ status: 'unauthorized', funcScopes: [], at: (T + 10) * 1000 });

    // A late authorized (older than the revocation) and the replayed old code: nothing changes.
    await authorize.execute(event('authorized', T + 5, { AuthorizationCode: 'code-0' }));
    await authorize.execute(event('authorized', T, { AuthorizationCode: 'code-1' }));
    expect(kit.wechat.count('api_query_auth')).toBe(1);
    expect((await kit.credentials.authorizer(REF.authorizer))?.status).toBe('unauthorized');
  });

  it('lets a revocation stored while api_query_auth was answering stand', async () => {
    kit.wechat.queue('api_query_auth', async () => {
      // Another replica processes the (newer) unauthorized event meanwhile.
      await unauthorize.execute(event('unauthorized', T + 10));
      return queryAuthAnswer('auth-token', 'refresh-1', [1]);
    });
    await authorize.execute(event('authorized', T, { AuthorizationCode: 'code-1' }));
    expect((await kit.credentials.authorizer(REF.authorizer))?.status).toBe('unauthorized');
    expect((await kit.tokens.read(REF.authorizer))?.token).toBeUndefined();
    expect(kit.events.authorizers.map((e) => e.event.status)).toEqual(['unauthorized']);
  });

  it('imports an authorizer by refresh token and syncs the authorizer list page by page', async () => {
    const importer = new ImportAuthorizer(kit.credentials, kit.tokens, kit.keeper, kit.asEvents, kit.asClock);
    await importer.execute({ componentAppid: COMPONENT, authorizerAppid: AUTHORIZER, refreshToken: 'imported' });
    expect(await kit.credentials.authorizer(REF.authorizer)).toMatchObject({ refreshToken: 'imported', status: 'authorized' });
    expect(kit.events.authorizers.at(-1)).toMatchObject({ authorizerAppid: AUTHORIZER, event: { status: 'authorized' } });
    await expect(importer.execute({ componentAppid: 'wxunknown000000001', authorizerAppid: AUTHORIZER, refreshToken: 'x' })).rejects.toMatchObject({
      reason: 'CREDENTIAL_NOT_FOUND',
    });

    const sync = new SyncAuthorizers(kit.credentials, kit.tokens, kit.keeper, kit.keeper.components, kit.gateway, kit.asEvents, kit.asClock);
    const item = (n: number) => ({ authorizer_appid: `wxsynced00000000${n}`, refresh_token: `r${n}`, auth_time: 1 });
    kit.wechat.queue(
      'api_get_authorizer_list',
      { total_count: 3, list: [item(1), item(2)] },
      { total_count: 3, list: [{ authorizer_appid: AUTHORIZER, refresh_token: 'imported', auth_time: 1 }] },
    );
    const published = kit.events.authorizers.length;
    expect(await sync.execute(COMPONENT)).toEqual({ imported: 3, unauthorized: 0 });
    expect(kit.wechat.calls.filter((c) => c.endpoint === 'api_get_authorizer_list').map((c) => c.args[2])).toEqual([0, 500]);
    expect(await kit.credentials.authorizer({ componentAppid: COMPONENT, appid: 'wxsynced000000001' })).toMatchObject({ refreshToken: 'r1', status: 'authorized' });
    // Unchanged authorizations publish nothing new.
    expect(kit.events.authorizers.length - published).toBe(2);
  });

  describe('one app authorizing two components', () => {
    const OTHER = 'wxcomponent00000002';
    const other = { kind: 'authorizer', componentAppid: OTHER, appid: AUTHORIZER } as const;
    beforeEach(async () => {
      await kit.credentials.putComponent({ appid: OTHER, secret: 'cs2', verifyToken: 'v', aesKey: 'k'.repeat(43) }, kit.clock.now());
      await kit.credentials.storeTicketIfNewer(OTHER, 'ticket-2', 1, kit.clock.now());
      const importer = new ImportAuthorizer(kit.credentials, kit.tokens, kit.keeper, kit.asEvents, kit.asClock);
      await importer.execute({ componentAppid: COMPONENT, authorizerAppid: AUTHORIZER, refreshToken: 'refresh-a' });
      await importer.execute({ componentAppid: OTHER, authorizerAppid: AUTHORIZER, refreshToken: 'refresh-b' });
    });

    it('keeps both authorizations, each minting with its own component and refresh token', async () => {
      const a = await kit.keeper.current(REF.authorizer);
      const b = await kit.keeper.current(other);
      expect(a).toMatchObject({ kind: 'authorizer', appid: AUTHORIZER, componentAppid: COMPONENT });
      expect(b).toMatchObject({ kind: 'authorizer', appid: AUTHORIZER, componentAppid: OTHER });
      expect(a.token).not.toBe(b.token);
      const mints = kit.wechat.calls.filter((c) => c.endpoint === 'api_authorizer_token').map((c) => c.args[1]);
      expect(mints).toEqual([
        expect.objectContaining({ componentAppid: COMPONENT, authorizerRefreshToken: 'refresh-a' }),
        expect.objectContaining({ componentAppid: OTHER, authorizerRefreshToken: 'refresh-b' }),
      ]);
    });

    it('answers the four-token form only while one component holds the authorizer', async () => {
      const resolve = new ResolveCredential(kit.credentials);
      await expect(resolve.forToken({ kind: 'authorizer', appid: AUTHORIZER })).rejects.toMatchObject({
        reason: 'BAD_REQUEST',
        message: expect.stringMatching(new RegExp(`${COMPONENT}, ${OTHER}.*wxgate\\.token\\.get\\.authorizer\\.${COMPONENT}\\.${AUTHORIZER}`)),
      });
      await new DeleteCredential(kit.credentials, kit.keeper, resolve, kit.asEvents, kit.asClock).execute({ kind: 'authorizer', appid: AUTHORIZER, componentAppid: OTHER });
      await expect(resolve.forToken({ kind: 'authorizer', appid: AUTHORIZER })).resolves.toEqual(REF.authorizer);
      expect(await kit.credentials.authorizer(other)).toBeUndefined();
    });

    it('an unauthorized event of one component leaves the other authorization and its token alone', async () => {
      const b = await kit.keeper.current(other);
      await unauthorize.execute({ AppId: COMPONENT, CreateTime: Math.ceil(kit.clock.now() / 1000) + 1, InfoType: 'unauthorized', AuthorizerAppid: AUTHORIZER });
      expect((await kit.credentials.authorizer(REF.authorizer))?.status).toBe('unauthorized');
      expect(await kit.keeper.current(other)).toEqual(b);
      // The four-token form now means the one authorization left; deleting without a component stays ambiguous.
      const resolve = new ResolveCredential(kit.credentials);
      await expect(resolve.forToken({ kind: 'authorizer', appid: AUTHORIZER })).resolves.toEqual(other);
      await expect(resolve.forRow({ kind: 'authorizer', appid: AUTHORIZER })).rejects.toMatchObject({ reason: 'BAD_REQUEST' });
      await expect(kit.keeper.current(REF.authorizer)).rejects.toMatchObject({ reason: 'TOKEN_UNAVAILABLE' });
    });

    it('sync reconciles one component: what WeChat no longer lists becomes unauthorized, with its event', async () => {
      const sync = new SyncAuthorizers(kit.credentials, kit.tokens, kit.keeper, kit.keeper.components, kit.gateway, kit.asEvents, kit.asClock);
      kit.wechat.queue('api_get_authorizer_list', { total_count: 1, list: [{ authorizer_appid: 'wxsynced000000001', refresh_token: 'r1', auth_time: 1 }] });
      expect(await sync.execute(COMPONENT)).toEqual({ imported: 1, unauthorized: 1 });
      expect((await kit.credentials.authorizer(REF.authorizer))?.status).toBe('unauthorized');
      expect((await kit.credentials.authorizer(other))?.status).toBe('authorized');
      expect(kit.events.authorizers.at(-1)).toMatchObject({ componentAppid: COMPONENT, authorizerAppid: AUTHORIZER, event: { status: 'unauthorized' } });
      expect(kit.events.refreshed.at(-1)).toEqual({ ...REF.authorizer, expiresAt: 0 });
      // A second sync finds nothing more to change.
      kit.wechat.queue('api_get_authorizer_list', { total_count: 1, list: [{ authorizer_appid: 'wxsynced000000001', refresh_token: 'r1', auth_time: 1 }] });
      expect(await sync.execute(COMPONENT)).toEqual({ imported: 1, unauthorized: 0 });
    });
  });
});
