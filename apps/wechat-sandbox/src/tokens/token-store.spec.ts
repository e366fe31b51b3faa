import { ManualClock } from '@wxgate/platform';
import { defaultKnobs } from '../knobs.js';
import { TokenStore } from './token-store.js';

const app = { kind: 'app', channel: 'token', appid: 'wxapp' } as const;

function setup() {
  const clock = new ManualClock();
  const knobs = { ...defaultKnobs(), tokenTtlS: 10, overlapS: 2 };
  return { clock, knobs, tokens: new TokenStore(clock, knobs) };
}

describe('TokenStore', () => {
  it('issues long random tokens shaped like WeChat ones, found by value', () => {
    const { tokens } = setup();
    const record = tokens.issue(app);
    expect(record.token).toMatch(/^\d{2}_[A-Za-z0-9_-]{120,}$/);
    expect(tokens.check(record.token)).toEqual({ ok: true, record });
    expect(tokens.issue(app).token).not.toBe(record.token);
  });

  it('answers 41001 missing, 40014 malformed, 40001 unknown', () => {
    const { tokens } = setup();
    expect(tokens.check(undefined)).toEqual({ ok: false, errcode: 41001 });
    expect(tokens.check('')).toEqual({ ok: false, errcode: 41001 });
    expect(tokens.check('not a token!')).toEqual({ ok: false, errcode: 40014 });
    expect(tokens.check(`90_${'a'.repeat(100)}`)).toEqual({ ok: false, errcode: 40001 });
  });

  it('expires a token after the lifetime with 42001', () => {
    const { tokens, clock } = setup();
    const { token } = tokens.issue(app);
    clock.advance(9_999);
    expect(tokens.check(token).ok).toBe(true);
    clock.advance(1);
    expect(tokens.check(token)).toEqual({ ok: false, errcode: 42001 });
  });

  it('keeps the previous token valid for the overlap window after a refresh, then 40001', () => {
    const { tokens, clock } = setup();
    const old = tokens.issue(app).token;
    const fresh = tokens.issue(app).token;
    clock.advance(1_999);
    expect(tokens.check(old).ok).toBe(true);
    clock.advance(1);
    expect(tokens.check(old)).toEqual({ ok: false, errcode: 40001 });
    expect(tokens.check(fresh).ok).toBe(true);
    expect(tokens.current(app)?.token).toBe(fresh);
  });

  it('invalidates the previous token at once, or keeps it to its end, when asked', () => {
    const { tokens, clock } = setup();
    const first = tokens.issue(app).token;
    tokens.issue(app, 'invalidate');
    expect(tokens.check(first)).toEqual({ ok: false, errcode: 40001 });
    const second = tokens.current(app)!.token;
    tokens.issue(app, 'keep');
    clock.advance(9_000);
    expect(tokens.check(second).ok).toBe(true);
  });

  it('separates identities: channels and components do not supersede each other', () => {
    const { tokens } = setup();
    const viaToken = tokens.issue(app).token;
    tokens.issue({ ...app, channel: 'stable' }, 'invalidate');
    const a1 = tokens.issue({ kind: 'authorizer', channel: 'authorizer', appid: 'wxa', componentAppid: 'c1' }).token;
    tokens.issue({ kind: 'authorizer', channel: 'authorizer', appid: 'wxa', componentAppid: 'c2' }, 'invalidate');
    expect(tokens.check(viaToken).ok).toBe(true);
    expect(tokens.check(a1).ok).toBe(true);
  });

  it('force-expires (42001) and force-supersedes (40001, with a new current token)', () => {
    const { tokens } = setup();
    const a = tokens.issue(app).token;
    tokens.expire(a);
    expect(tokens.check(a)).toEqual({ ok: false, errcode: 42001 });
    const b = tokens.issue(app).token;
    tokens.supersede(b);
    expect(tokens.check(b)).toEqual({ ok: false, errcode: 40001 });
    const current = tokens.current(app)!;
    expect(current.token).not.toBe(b);
    expect(tokens.check(current.token).ok).toBe(true);
  });

  it('revokes every token of an identity (unauthorization)', () => {
    const { tokens } = setup();
    const id = { kind: 'authorizer', channel: 'authorizer', appid: 'wxa', componentAppid: 'c1' } as const;
    const old = tokens.issue(id).token;
    const cur = tokens.issue(id).token;
    tokens.revoke(id);
    expect(tokens.check(old).ok).toBe(false);
    expect(tokens.check(cur)).toEqual({ ok: false, errcode: 40001 });
    expect(tokens.current(id)).toBeUndefined();
  });

  it('forgets tokens a day after they died', () => {
    const { tokens, clock } = setup();
    const { token } = tokens.issue(app);
    clock.advance(25 * 3600_000);
    tokens.issue({ ...app, appid: 'other' });
    expect(tokens.get(token)).toBeUndefined();
  });
});
