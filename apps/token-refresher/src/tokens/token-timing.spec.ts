import { backoffMs } from './backoff-policy.js';
import { dueAt, jitterWindowMs, refreshAheadMs, servedUntil } from './token-timing.js';

describe('token timing', () => {
  it('serves a token until expiry minus min(60 s, half its lifetime)', () => {
    expect(servedUntil(1_000, 7200)).toBe(1_000 + 7_140_000);
    expect(servedUntil(1_000, 100)).toBe(1_000 + 60_000 - 20_000 + 10_000);
    expect(servedUntil(1_000, 2)).toBe(1_000 + 1_000);
  });

  it('refreshes component/authorizer tokens REFRESH_MARGIN_S ahead and app tokens when WeChat has less than 300 s left, capped at half the lifetime', () => {
    expect(refreshAheadMs('component', 7_140_000, 600_000)).toBe(600_000);
    expect(refreshAheadMs('authorizer', 7_140_000, 600_000)).toBe(600_000);
    // Served 60 s less than WeChat's lifetime, jitter up to 30 s earlier: WeChat has at most 290 s left.
    expect(refreshAheadMs('app', 7_140_000, 600_000)).toBe(200_000);
    // A 2-second test token would otherwise be due the moment it was minted.
    expect(refreshAheadMs('component', 1_000, 600_000)).toBe(500);
    expect(dueAt('component', { obtainedAt: 0, expiresAt: 1_000 }, 600_000)).toBe(500);
    expect(dueAt('component', {}, 600_000)).toBeUndefined();
  });

  it('jitters proactive refreshes by up to 10 % of the refresh-ahead time, at most 30 s', () => {
    expect(jitterWindowMs('component', { obtainedAt: 0, expiresAt: 7_140_000 }, 600_000)).toBe(30_000);
    expect(jitterWindowMs('app', { obtainedAt: 0, expiresAt: 7_140_000 }, 600_000)).toBe(20_000);
    expect(jitterWindowMs('component', { obtainedAt: 0, expiresAt: 1_000 }, 600_000)).toBe(50);
  });

  it('backs off 1 s, 2 s, 4 s… up to the ceiling, with ±20 % jitter', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 300_000, () => 0.5))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(backoffMs(30, 300_000, () => 0.5)).toBe(300_000);
    expect(backoffMs(1, 300_000, () => 0)).toBe(800);
    expect(backoffMs(1, 300_000, () => 1)).toBe(1_200);
  });
});
