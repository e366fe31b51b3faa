import { ResolveCredential } from '../tokens/resolve-credential.js';
import type { DataSource } from 'typeorm';
import { APP, AUTHORIZER, COMPONENT, memoryDatabase, refresherKit, seedCredentials, REF } from '../testing/refresher-fakes.js';
import type { RequestTicketPush } from '../tickets/request-ticket-push.usecase.js';
import { ComponentCallbackKeys } from './component-callback-keys.js';
import { DeleteCredential } from './delete-credential.usecase.js';
import { ListCredentials } from './list-credentials.usecase.js';
import { PutComponent } from './put-component.usecase.js';

describe('credentials admin', () => {
  let db: DataSource;
  let kit: ReturnType<typeof refresherKit>;
  const KEY_1 = 'a'.repeat(43);
  const KEY_2 = 'b'.repeat(43);

  beforeEach(async () => {
    db = await memoryDatabase();
    kit = refresherKit(db);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('keeps the previous EncodingAESKey when it changes and gives the callback both, current first', async () => {
    const put = new PutComponent(kit.credentials, kit.tokens, { execute: async () => false } as unknown as RequestTicketPush, kit.asClock);
    const keys = new ComponentCallbackKeys(kit.credentials);
    const input = { componentAppid: COMPONENT, componentAppsecret: 's', token: 'verify', encodingAesKey: KEY_1 };
    await put.execute(input);
    expect(await keys.keysFor(COMPONENT)).toEqual({ token: 'verify', encodingAesKeys: [KEY_1] });
    await put.execute({ ...input, encodingAesKey: KEY_2 });
    expect(await keys.keysFor(COMPONENT)).toEqual({ token: 'verify', encodingAesKeys: [KEY_2, KEY_1] });
    await put.execute({ ...input, encodingAesKey: KEY_2, componentAppsecret: 's2' });
    expect(await keys.keysFor(COMPONENT)).toEqual({ token: 'verify', encodingAesKeys: [KEY_2, KEY_1] });
    expect(await keys.keysFor('wxunknown000000001')).toBeUndefined();
  });

  it('lists every credential with its status and no secret', async () => {
    const list = new ListCredentials(kit.credentials, kit.tokens, kit.asClock, kit.merchants);
    await kit.credentials.putComponent({ appid: 'wxnoticket00000001', secret: 'secret-x', verifyToken: 'v', aesKey: KEY_1 }, kit.clock.now());
    await seedCredentials(kit);
    await kit.keeper.current(REF.component);
    await kit.tokens.ensure(REF.app);
    await kit.tokens.recordFailure(REF.app, { message: 'busy', errcode: -1, at: kit.clock.now(), nextAttemptAt: kit.clock.now() + 1_000 });
    const items = await list.execute();
    expect(items).toEqual([
      expect.objectContaining({ kind: 'component', appid: COMPONENT, status: 'ok', tokenExpiresAt: expect.any(Number), ticketAt: expect.any(Number) }),
      expect.objectContaining({ kind: 'component', appid: 'wxnoticket00000001', status: 'no_ticket' }),
      { kind: 'authorizer', appid: AUTHORIZER, componentAppid: COMPONENT, status: 'no_token_yet' },
      { kind: 'app', appid: APP, status: 'refresh_failing' },
    ]);
    expect(JSON.stringify(items)).not.toMatch(/secret|ticket-1|refresh-1|c-token/);
  });

  it('deletes a component with its authorizers (publishing their end) and answers CREDENTIAL_NOT_FOUND for unknown ones', async () => {
    await seedCredentials(kit);
    const del = new DeleteCredential(kit.credentials, kit.keeper, new ResolveCredential(kit.credentials), kit.asEvents, kit.asClock);
    await expect(del.execute({ kind: 'app', appid: 'wxunknown000000001' })).rejects.toMatchObject({ reason: 'CREDENTIAL_NOT_FOUND' });
    await kit.keeper.current(REF.authorizer);
    kit.events.refreshed.length = 0;
    await del.execute({ kind: 'component', appid: COMPONENT });
    expect(kit.keeper.peek(REF.authorizer)).toBeUndefined();
    // Every replica is told to stop serving both tokens.
    expect(kit.events.refreshed).toEqual([
      { ...REF.authorizer, expiresAt: 0 },
      { kind: 'component', appid: COMPONENT, expiresAt: 0 },
    ]);
    expect(await kit.credentials.component(COMPONENT)).toBeUndefined();
    expect(await kit.credentials.authorizer(REF.authorizer)).toBeUndefined();
    expect(kit.events.authorizers).toEqual([{ componentAppid: COMPONENT, authorizerAppid: AUTHORIZER, event: { status: 'unauthorized', funcScopes: [], at: kit.clock.now() } }]);
    await expect(kit.keeper.current(REF.authorizer)).rejects.toMatchObject({ reason: 'CREDENTIAL_NOT_FOUND' });
  });
});
