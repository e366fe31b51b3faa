import { ManualClock } from '@wxgate/platform';
import { defaultKnobs, FORCE_REFRESH_QUOTA } from '../knobs.js';
import { QuotaCounter } from './quota-counter.js';
import { StableTokens } from './stable-tokens.js';
import { TokenStore } from './token-store.js';

function setup() {
  const clock = new ManualClock();
  const knobs = { ...defaultKnobs(), tokenTtlS: 10, stableSwapS: 3, forceRefreshIntervalS: 5 };
  const tokens = new TokenStore(clock, knobs);
  const quotas = new QuotaCounter(clock, knobs);
  return { clock, knobs, tokens, stable: new StableTokens(clock, knobs, tokens, quotas) };
}

function ok<T extends { ok: boolean }>(outcome: T): Extract<T, { ok: true }> {
  if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<T, { ok: true }>;
}

describe('StableTokens', () => {
  it('returns the current token in normal mode with the lifetime it has left', () => {
    const { stable, clock } = setup();
    const first = ok(stable.get('wxapp', false));
    expect(first.expiresInS).toBe(10);
    clock.advance(4_000);
    const again = ok(stable.get('wxapp', false));
    expect(again.record.token).toBe(first.record.token);
    expect(again.expiresInS).toBe(6);
  });

  it('swaps when less than stableSwapS is left, without invalidating the old token', () => {
    const { stable, clock, tokens } = setup();
    const first = ok(stable.get('wxapp', false)).record.token;
    clock.advance(7_500);
    const second = ok(stable.get('wxapp', false)).record.token;
    expect(second).not.toBe(first);
    expect(tokens.check(first).ok).toBe(true);
  });

  it('force_refresh invalidates the previous token at once and is limited to one per interval (45011)', () => {
    const { stable, clock, tokens } = setup();
    const first = ok(stable.get('wxapp', false)).record.token;
    const forced = ok(stable.get('wxapp', true)).record.token;
    expect(forced).not.toBe(first);
    expect(tokens.check(first)).toEqual({ ok: false, errcode: 40001 });
    expect(stable.get('wxapp', true)).toEqual({ ok: false, errcode: 45011 });
    expect(stable.get('other', true).ok).toBe(true);
    clock.advance(5_000);
    expect(stable.get('wxapp', true).ok).toBe(true);
  });

  it('counts force_refresh against its own daily quota (45009)', () => {
    const { stable, clock, knobs } = setup();
    knobs.quotas[FORCE_REFRESH_QUOTA] = 1;
    expect(stable.get('wxapp', true).ok).toBe(true);
    clock.advance(5_000);
    expect(stable.get('wxapp', true)).toEqual({ ok: false, errcode: 45009 });
  });
});
