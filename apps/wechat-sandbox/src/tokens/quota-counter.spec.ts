import { ManualClock } from '@wxgate/platform';
import { defaultKnobs } from '../knobs.js';
import { QuotaCounter } from './quota-counter.js';

describe('QuotaCounter', () => {
  it('refuses calls past the daily limit of a path and counts unlimited paths', () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1, 10));
    const knobs = { ...defaultKnobs(), quotas: { '/limited': 2 } };
    const quotas = new QuotaCounter(clock, knobs);
    expect([quotas.consume('/limited'), quotas.consume('/limited'), quotas.consume('/limited')]).toEqual([true, true, false]);
    for (let i = 0; i < 5; i++) expect(quotas.consume('/free')).toBe(true);
    expect(quotas.usage()).toEqual({ '/limited': { used: 2, limit: 2 }, '/free': { used: 5, limit: null } });
  });

  it('starts a new day at midnight Beijing time', () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1, 15, 59));
    const quotas = new QuotaCounter(clock, { ...defaultKnobs(), quotas: { '/p': 1 } });
    expect(quotas.consume('/p')).toBe(true);
    expect(quotas.consume('/p')).toBe(false);
    clock.advance(60_000);
    expect(quotas.consume('/p')).toBe(true);
  });

  it('follows limits changed at runtime and can be reset', () => {
    const clock = new ManualClock();
    const knobs = { ...defaultKnobs(), quotas: {} as Record<string, number> };
    const quotas = new QuotaCounter(clock, knobs);
    quotas.consume('/p');
    knobs.quotas['/p'] = 1;
    expect(quotas.consume('/p')).toBe(false);
    quotas.reset();
    expect(quotas.consume('/p')).toBe(true);
  });
});
