import { age, formatDuration, formatTime, table, timeLeft } from './format.js';

describe('CLI formatting', () => {
  it('shows durations with at most two units', () => {
    expect(formatDuration(7_140_000)).toBe('1h 59m');
    expect(formatDuration(250_000)).toBe('4m 10s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(90_061_000)).toBe('1d 1h');
    expect(formatDuration(999)).toBe('0s');
    expect(formatDuration(0)).toBe('0s');
  });

  it('shows times in UTC to the second and a dash when unknown', () => {
    expect(formatTime(Date.UTC(2026, 10, 21, 7, 30, 5, 123))).toBe('2026-11-21 07:30:05Z');
    expect(formatTime(undefined)).toBe('-');
    expect(timeLeft(undefined)).toBe('-');
    expect(timeLeft(10_000, 4_000)).toBe('6s');
    expect(timeLeft(4_000, 4_000)).toBe('expired');
    expect(timeLeft(1_000, 4_000)).toBe('expired');
  });

  it('says how long ago a ticket came, or never', () => {
    expect(age(undefined)).toBe('never');
    expect(age(1_000, 31_000)).toBe('30s ago');
    expect(age(1_000, 1_200)).toBe('1s ago');
  });

  it('draws plain tables without colour codes', () => {
    const out = table(['kind', 'appid'], [['app', 'wx123']]);
    expect(out).toContain('│ app  │ wx123 │');
    expect(out).not.toMatch(/\u001b\[/);
  });
});
