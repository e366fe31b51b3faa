import { FaultStore } from './fault-store.js';

describe('FaultStore', () => {
  it('costs nothing when there are no faults', () => {
    expect(new FaultStore().take('/wxa/commit')).toBeUndefined();
  });

  it('fires counted faults that many times, then forgets them', () => {
    const faults = new FaultStore();
    faults.add({ type: 'errcode', path: '/wxa/commit', errcode: -1, count: 2 });
    expect(faults.take('/wxa/commit')).toEqual({ latencyMs: 0, reset: false, errcode: -1 });
    expect(faults.take('/wxa/getwxacode')).toBeUndefined();
    expect(faults.take('/wxa/commit')?.errcode).toBe(-1);
    expect(faults.take('/wxa/commit')).toBeUndefined();
    expect(faults.list()).toEqual([]);
  });

  it('keeps an uncounted latency, adds "*" faults to every path, and clears by path', () => {
    const faults = new FaultStore();
    faults.add({ type: 'latency', path: '/a', ms: 50 });
    faults.add({ type: 'latency', path: '*', ms: 5, count: 1 });
    faults.add({ type: 'reset', path: '/b' });
    expect(faults.take('/a')?.latencyMs).toBe(55);
    expect(faults.take('/a')?.latencyMs).toBe(50);
    faults.clear('/a');
    expect(faults.take('/a')).toBeUndefined();
    expect(faults.take('/b')?.reset).toBe(true);
  });

  it('defaults oversized responses to one, content-length framed', () => {
    const faults = new FaultStore();
    faults.add({ type: 'oversized', path: '/p', bytes: 10 });
    expect(faults.take('/p')?.oversized).toEqual({ bytes: 10, chunked: false });
    expect(faults.take('/p')).toBeUndefined();
  });

  it('rejects malformed faults', () => {
    expect(() => new FaultStore().add({ type: 'errcode', path: '/p' } as never)).toThrow();
    expect(() => new FaultStore().add({ type: 'latency', path: '/p', ms: -1 })).toThrow();
  });
});
