import type { Msg, NatsConnection, SubscriptionOptions } from '@nats-io/transport-node';
import { Reason, WxgateError } from '@wxgate/contracts';
import { HotResponder, serveHot } from './hot-responder.js';
import { framesOf } from '@wxgate/platform';

/** Pure logic with a fake connection: the real-NATS behaviour is in test/hot-responder.e2e-spec.ts. */
function fakeConnection() {
  const subs: { subject: string; options: SubscriptionOptions; drained: boolean }[] = [];
  const nc = {
    subscribe(subject: string, options: SubscriptionOptions) {
      const sub = { subject, options, drained: false };
      subs.push(sub);
      return { isClosed: () => sub.drained, isDraining: () => false, drain: async () => void (sub.drained = true) };
    },
  } as unknown as NatsConnection;
  const deliver = (subject: string, data = '{}', reply: string | undefined = '_INBOX.1') => {
    const sent: string[] = [];
    const msg = { subject, reply, data: new TextEncoder().encode(data), respond: (bytes: Uint8Array) => (sent.push(new TextDecoder().decode(bytes)), true) } as unknown as Msg;
    subs.find((s) => s.subject === subject)!.options.callback!(null, msg);
    return sent;
  };
  return { nc, subs, deliver };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('HotResponder', () => {
  it('subscribes once, in the queue group it was given', () => {
    const { nc, subs } = fakeConnection();
    serveHot(nc, 'wxgate.policy.check', { queue: 'wxgate.policy' }, () => 1);
    expect(subs).toEqual([{ subject: 'wxgate.policy.check', options: { queue: 'wxgate.policy', callback: expect.any(Function) }, drained: false }]);
  });

  it('answers a value inside the callback, before any microtask runs', () => {
    const { nc, deliver } = fakeConnection();
    serveHot(nc, 's', { queue: 'q' }, () => ({ a: 1 }));
    expect(deliver('s')).toEqual(['{"a":1}']);
  });

  it('answers bytes as they are and undefined as null', () => {
    const { nc, deliver } = fakeConnection();
    serveHot(nc, 'bytes', { queue: 'q' }, () => new TextEncoder().encode('{"kept":true}'));
    serveHot(nc, 'none', { queue: 'q' }, () => undefined);
    expect(deliver('bytes')).toEqual(['{"kept":true}']);
    expect(deliver('none')).toEqual(['null']);
  });

  it('answers a promise when it settles, and counts it in flight until then', async () => {
    const { nc, deliver } = fakeConnection();
    let release!: (v: unknown) => void;
    const hot = serveHot(nc, 's', { queue: 'q' }, () => new Promise((r) => (release = r)));
    const sent = deliver('s');
    expect(sent).toEqual([]);
    expect(hot.inFlight).toBe(1);
    release({ b: 2 });
    await tick();
    expect(sent).toEqual(['{"b":2}']);
    expect(hot.inFlight).toBe(0);
  });

  it.each([
    ['a WxgateError', () => { throw new WxgateError(Reason.BAD_REQUEST, 'path is required'); }, '{"error":{"reason":"BAD_REQUEST","message":"path is required","errcode":47001}}'],
    ['an Error', () => { throw new Error('secret'); }, '{"error":{"reason":"INTERNAL","message":"internal error","errcode":-1}}'],
    ['a rejected WxgateError', () => Promise.reject(new WxgateError(Reason.CREDENTIAL_NOT_FOUND, 'no app x')), '{"error":{"reason":"CREDENTIAL_NOT_FOUND","message":"no app x","errcode":40013}}'],
    ['a rejected Error', () => Promise.reject(new Error('secret')), '{"error":{"reason":"INTERNAL","message":"internal error","errcode":-1}}'],
  ])('answers %s as the contract error body', async (_what, handler, expected) => {
    const { nc, deliver } = fakeConnection();
    serveHot(nc, 's', { queue: 'q' }, handler);
    const sent = deliver('s');
    await tick();
    expect(sent).toEqual([expected]);
  });

  it('ignores a message without a reply subject', () => {
    const { nc, deliver } = fakeConnection();
    let calls = 0;
    serveHot(nc, 's', { queue: 'q' }, () => ++calls);
    expect(deliver('s', '{}', '')).toEqual([]);
    expect(calls).toBe(0);
  });

  it('drains the subscription and waits for what it took, once', async () => {
    const { nc, subs, deliver } = fakeConnection();
    let release!: (v: unknown) => void;
    const hot = new HotResponder(nc, 's', { queue: 'q', gracePeriodMs: 10_000 }, () => new Promise((r) => (release = r)));
    const sent = deliver('s');
    let drained = false;
    const drain = hot.drain().then(() => (drained = true));
    expect(hot.drain()).toBe(hot.drain());
    await tick();
    expect(subs[0]!.drained).toBe(true);
    expect(drained).toBe(false);
    release('late');
    await drain;
    expect(sent).toEqual(['"late"']);
  });
});

describe('framesOf (what an unhandled error leaves in the log)', () => {
  it('keeps the name and the frames, never the message', () => {
    const err = new Error('password=hunter2 access_token=abc\nsecond line');
    const logged = framesOf(err)!;
    expect(logged.startsWith('Error\n    at ')).toBe(true);
    expect(logged).not.toContain('hunter2');
    expect(logged).not.toContain('access_token');
    expect(framesOf('a string')).toBeUndefined();
  });
});
