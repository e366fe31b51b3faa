import type { DataSource } from 'typeorm';
import { COMPONENT, memoryDatabase, refresherKit, REF } from '../testing/refresher-fakes.js';
import { HandleTicket } from './handle-ticket.usecase.js';
import { PUSH_REQUEST_INTERVAL_MS, RequestTicketPush, TICKET_STALE_MS } from './request-ticket-push.usecase.js';

describe('tickets', () => {
  let db: DataSource;
  let kit: ReturnType<typeof refresherKit>;
  let handle: HandleTicket;
  let requestPush: RequestTicketPush;
  const component = async () => (await kit.credentials.component(COMPONENT))!;

  beforeEach(async () => {
    db = await memoryDatabase();
    kit = refresherKit(db);
    await kit.credentials.putComponent({ appid: COMPONENT, secret: 'component-secret', verifyToken: 'v', aesKey: 'k'.repeat(43) }, kit.clock.now());
    handle = new HandleTicket(kit.credentials, kit.tokens, kit.asClock);
    requestPush = new RequestTicketPush(kit.credentials, kit.gateway, kit.asClock);
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('keeps the newest ticket per component by CreateTime, whatever the arrival order', async () => {
    expect(await handle.execute(COMPONENT, 'ticket-200', 200)).toBe('stored');
    expect(await handle.execute(COMPONENT, 'ticket-100', 100)).toBe('older');
    expect(await handle.execute(COMPONENT, 'ticket-200-again', 200)).toBe('older');
    expect(await handle.execute('wxunknown000000001', 'ticket', 300)).toBe('unknown-component');
    expect(await component()).toMatchObject({ ticket: 'ticket-200', ticketCreatedAt: 200_000 });
  });

  it('lets a component that failed for want of a ticket retry at once when one arrives', async () => {
    await kit.tokens.ensure(REF.component);
    await kit.tokens.recordFailure(REF.component, { message: 'x', errcode: 61006, at: kit.clock.now(), nextAttemptAt: kit.clock.now() + 60_000 });
    await handle.execute(COMPONENT, 'ticket', kit.clock.now() / 1000);
    expect((await kit.tokens.read(REF.component))?.nextAttemptAt).toBeUndefined();
  });

  it('asks WeChat to resume pushes without a ticket or with one older than 20 minutes, at most once per 10 minutes', async () => {
    expect(await requestPush.execute(await component())).toBe(true);
    expect(kit.wechat.calls).toEqual([{ endpoint: 'api_start_push_ticket', args: [COMPONENT, 'component-secret'] }]);
    kit.clock.advance(PUSH_REQUEST_INTERVAL_MS - 1);
    expect(await requestPush.execute(await component())).toBe(false);
    kit.clock.advance(1);
    expect(await requestPush.execute(await component())).toBe(true);

    await handle.execute(COMPONENT, 'fresh', Math.floor(kit.clock.now() / 1000));
    kit.clock.advance(PUSH_REQUEST_INTERVAL_MS);
    expect(await requestPush.execute(await component())).toBe(false);
    kit.clock.advance(TICKET_STALE_MS);
    expect(await requestPush.execute(await component())).toBe(true);
    expect(kit.wechat.count('api_start_push_ticket')).toBe(3);
  });
});
