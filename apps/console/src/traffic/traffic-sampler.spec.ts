import type { RelayStatsReply } from '@wxgate/contracts';
import type { AdminClient } from '../admin/admin-client.js';
import type { ConsoleConfig } from '../config.js';
import { TrafficSampler } from './traffic-sampler.js';

const reply = (instance: string, byReason: Record<string, number>, uptimeS = 600): RelayStatsReply => ({
  app: 'forwarder',
  instance,
  envId: 'prod',
  at: 0,
  uptimeS,
  calls: { total: Object.values(byReason).reduce((a, b) => a + b, 0), byReason, byStatus: {} },
});

function sampler(intervalS = 10): TrafficSampler {
  return new TrafficSampler({} as AdminClient, { CONSOLE_SAMPLE_INTERVAL_S: intervalS } as ConsoleConfig);
}

describe('TrafficSampler', () => {
  it('turns cumulative counters into per-interval deltas summed over replicas', () => {
    const s = sampler();
    const t = Date.now();
    expect(s.record([reply('a', { '': 100 }), reply('b', { '': 5, PATH_NOT_ALLOWED: 1 })], t).byReason).toEqual({});
    expect(s.record([reply('a', { '': 130 }), reply('b', { '': 7, PATH_NOT_ALLOWED: 4 })], t + 10_000).byReason).toEqual({ '': 32, PATH_NOT_ALLOWED: 3 });
    expect(s.lastHour()).toEqual({ total: 35, byReason: { '': 32, PATH_NOT_ALLOWED: 3 } });
  });

  it('counts a replica that just started in full, and a restarted one (counters went down) from zero', () => {
    const s = sampler();
    const t = Date.now();
    s.record([reply('a', { '': 50 })], t);
    expect(s.record([reply('a', { '': 3 }), reply('new', { '': 2 }, 4)], t + 10_000).byReason).toEqual({ '': 5 });
  });

  it('keeps one hour of samples', () => {
    const s = sampler(600);
    const t = Date.now() - 3 * 3_600_000;
    for (let i = 0; i < 30; i++) s.record([reply('a', { '': i })], t + i * 600_000);
    expect(s.samples().length).toBeLessThanOrEqual(6);
    expect(s.samples().every((x) => x.at >= Date.now() - 3_600_000)).toBe(true);
  });
});
