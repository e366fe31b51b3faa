import { PassThrough } from 'node:stream';
import { BodyTooLarge, ClientGone, readCapped, readUpTo } from './capped-body.js';
import { ManualClock } from './clock.js';
import { SingleFlight } from './single-flight.js';
import { flushPending, PendingCount } from './metrics.js';
import { Counter, Registry } from 'prom-client';

describe('readUpTo / readCapped', () => {
  it('reads a body that fits whole', async () => {
    const s = new PassThrough();
    const read = readCapped(s, 10);
    s.write('abc');
    s.end('def');
    expect((await read).toString()).toBe('abcdef');
  });

  it('stops past the cap and leaves the rest unread', async () => {
    const s = new PassThrough();
    const read = readUpTo(s, 4);
    s.write('abc');
    s.write('defg');
    const prefix = await read;
    expect(prefix).toMatchObject({ ended: false, size: 7 });
    expect(s.isPaused()).toBe(true);
    const capped = readCapped(new PassThrough().end('0123456789'), 4);
    await expect(capped).rejects.toBeInstanceOf(BodyTooLarge);
  });

  it('rejects with ClientGone when the stream closes or fails before its end', async () => {
    const closed = new PassThrough();
    const a = readCapped(closed, 100);
    closed.write('ab');
    closed.destroy();
    await expect(a).rejects.toBeInstanceOf(ClientGone);
    const failed = new PassThrough();
    const b = readCapped(failed, 100);
    const reset = new Error('reset');
    failed.destroy(reset);
    await expect(b).rejects.toBeInstanceOf(ClientGone);
    // The stream's own error stays readable, for callers that classify it (timeouts, resets).
    await expect(b).rejects.toMatchObject({ cause: reset });
    expect(await a.catch((e: Error) => e.cause)).toBeUndefined();
  });
});

describe('SingleFlight', () => {
  it('shares one run per key until it settles', async () => {
    const flights = new SingleFlight<string, number>();
    let runs = 0;
    const work = async () => {
      const n = ++runs;
      await Promise.resolve();
      return n;
    };
    const [a, b, c] = await Promise.all([flights.run('k', work), flights.run('k', work), flights.run('other', work)]);
    expect([a, b, c]).toEqual([1, 1, 2]);
    expect(flights.size).toBe(0);
    await expect(flights.run('k', work)).resolves.toBe(3);
  });

  it('frees the key after a failure', async () => {
    const flights = new SingleFlight<string, number>();
    await expect(flights.run('k', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(flights.run('k', () => Promise.resolve(1))).resolves.toBe(1);
  });
});

describe('ManualClock', () => {
  it('moves only when told, and sleeping moves it', async () => {
    const clock = new ManualClock(1000);
    clock.advance(5);
    await clock.sleep(10);
    expect(clock.now()).toBe(1015);
    expect(clock.random()).toBe(0.5);
  });
});

describe('PendingCount', () => {
  it('counts into a plain number and adds it to its counter, by its labels, when the registry is read', async () => {
    const registry = new Registry();
    const ok = new PendingCount(['ok', '']);
    const denied = new PendingCount(['denied', 'X']);
    new Counter({
      name: 'pending_total',
      help: 'h',
      labelNames: ['decision', 'reason'],
      registers: [registry],
      collect() {
        flushPending(this, [ok, denied]);
      },
    });
    for (let i = 0; i < 3; i++) ok.inc();
    denied.inc();
    expect(await registry.metrics()).toContain('pending_total{decision="ok",reason=""} 3');
    expect(await registry.metrics()).toContain('pending_total{decision="denied",reason="X"} 1');
    ok.inc();
    const text = await registry.metrics();
    expect(text).toContain('pending_total{decision="ok",reason=""} 4');
    expect(text).toContain('pending_total{decision="denied",reason="X"} 1');
    expect(ok.n).toBe(0);
  });
});
