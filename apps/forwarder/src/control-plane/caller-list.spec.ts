import type { CallerHashesReply } from '@wxgate/contracts';
import { Clock, ManualClock } from '@wxgate/platform';
import { CALLERS_REVALIDATE_MS, CallerList, type CallerSource } from './caller-list.js';

/** A policy stand-in whose answers the test releases one by one, and the broadcast it would send. */
function fakeSource() {
  const pending: { resolve(reply: CallerHashesReply): void; reject(err: Error): void }[] = [];
  let changed: (() => void) | undefined;
  const source: CallerSource = {
    callerHashes: () => new Promise((resolve, reject) => pending.push({ resolve, reject })),
    subscribe: ((_subject: string, handle: () => void) => {
      changed = handle;
      return { unsubscribe: () => undefined };
    }) as unknown as CallerSource['subscribe'],
  };
  return { source, pending, change: () => changed!() };
}
const reply = (...names: string[]): CallerHashesReply => ({ callers: names.map((name) => ({ name, secretHash: '00'.repeat(32) })) });
const settle = () => new Promise((r) => setImmediate(r));

describe('the forwarder’s caller list', () => {
  it('drops the list on policy.changed and makes calls wait for the new answer, not the old one', async () => {
    const fake = fakeSource();
    const list = new CallerList(fake.source, { ENV_ID: 'e' }, new Clock());
    list.onModuleInit();
    list.onApplicationBootstrap();
    fake.pending.shift()!.resolve(reply('a', 'b'));
    await settle();
    expect([...list.peek()!.keys()]).toEqual(['a', 'b']);
    fake.change();
    expect(list.peek()).toBeUndefined();
    const waiting = list.fill();
    fake.pending.shift()!.resolve(reply('b'));
    expect([...(await waiting).keys()]).toEqual(['b']);
    expect([...list.peek()!.keys()]).toEqual(['b']);
  });

  it('does not keep an answer asked before a change', async () => {
    const fake = fakeSource();
    const list = new CallerList(fake.source, { ENV_ID: 'e' }, new Clock());
    list.onModuleInit();
    void list.fill();
    const before = fake.pending.shift()!;
    fake.change();
    before.resolve(reply('revoked'));
    await settle();
    expect(list.peek()).toBeUndefined();
    fake.pending.shift()!.resolve(reply());
    await settle();
    expect(list.peek()!.size).toBe(0);
  });

  it('re-asks in the background after a while, serving the known list meanwhile and after a failure', async () => {
    const fake = fakeSource();
    const clock = new ManualClock(1_000_000);
    const list = new CallerList(fake.source, { ENV_ID: 'e' }, clock);
    void list.fill();
    fake.pending.shift()!.resolve(reply('a'));
    await settle();
    clock.advance(CALLERS_REVALIDATE_MS + 1);
    expect([...list.peek()!.keys()]).toEqual(['a']);
    expect(fake.pending).toHaveLength(1);
    fake.pending.shift()!.reject(new Error('no responders'));
    await settle();
    expect([...list.peek()!.keys()]).toEqual(['a']);
    // A failed re-ask is not repeated on every call.
    expect(fake.pending).toHaveLength(0);
  });

  it('fails closed with TOKEN_UNAVAILABLE when there is no list and policy does not answer', async () => {
    const fake = fakeSource();
    const list = new CallerList(fake.source, { ENV_ID: 'e' }, new Clock());
    const filling = list.fill();
    fake.pending.shift()!.reject(new Error('timeout'));
    await expect(filling).rejects.toMatchObject({ reason: 'TOKEN_UNAVAILABLE' });
  });
});
