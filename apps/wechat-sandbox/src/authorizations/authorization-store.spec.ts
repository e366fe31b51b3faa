import { ManualClock } from '@wxgate/platform';
import { defaultKnobs } from '../knobs.js';
import { AuthorizationStore, DEFAULT_FUNC_SCOPES } from './authorization-store.js';

function setup() {
  const clock = new ManualClock();
  const knobs = { ...defaultKnobs(), preAuthCodeTtlS: 10, authCodeTtlS: 2 };
  return { clock, knobs, store: new AuthorizationStore(clock, knobs) };
}

describe('AuthorizationStore', () => {
  it('makes single-use pre-auth codes that expire and belong to one component', () => {
    const { clock, store } = setup();
    const a = store.createPreAuthCode('c1');
    expect(a.expiresInS).toBe(10);
    expect(store.consumePreAuthCode('c1', a.code)).toBe(true);
    expect(store.consumePreAuthCode('c1', a.code)).toBe(false);
    expect(store.consumePreAuthCode('c2', store.createPreAuthCode('c1').code)).toBe(false);
    const late = store.createPreAuthCode('c1').code;
    clock.advance(10_000);
    expect(store.consumePreAuthCode('c1', late)).toBe(false);
  });

  it('redeems an authorization code once (61009 after), and 61010 once it expired', () => {
    const { clock, store } = setup();
    const code = store.authorize('c1', 'wxa');
    expect(code.expiresAt).toBe(Math.floor(clock.now() / 1000) + 2);
    const redeemed = store.redeemCode('c1', code.authorizationCode);
    expect(redeemed.ok && redeemed.value).toMatchObject({ authorizerAppid: 'wxa', status: 'authorized', funcScopes: DEFAULT_FUNC_SCOPES });
    expect(store.redeemCode('c1', code.authorizationCode)).toEqual({ ok: false, errcode: 61009 });
    const late = store.authorize('c1', 'wxa').authorizationCode;
    clock.advance(2_000);
    expect(store.redeemCode('c1', late)).toEqual({ ok: false, errcode: 61010 });
    expect(store.redeemCode('c2', store.authorize('c1', 'wxa').authorizationCode)).toEqual({ ok: false, errcode: 61009 });
  });

  it('checks refresh tokens (61023), keeps them across re-authorization, rotates them when the knob says so', () => {
    const { store, knobs } = setup();
    store.authorize('c1', 'wxa', [18], 'refreshtoken@@@fixed');
    expect(store.checkRefreshToken('c1', 'wxa', 'wrong')).toEqual({ ok: false, errcode: 61023 });
    expect(store.checkRefreshToken('c1', 'wxa', 'refreshtoken@@@fixed').ok).toBe(true);
    store.authorize('c1', 'wxa', [17, 18]);
    expect(store.get('c1', 'wxa')).toMatchObject({ refreshToken: 'refreshtoken@@@fixed', funcScopes: [17, 18] });
    knobs.rotateRefreshTokens = true;
    const rotated = store.checkRefreshToken('c1', 'wxa', 'refreshtoken@@@fixed');
    expect(rotated.ok && rotated.value.refreshToken).not.toBe('refreshtoken@@@fixed');
    expect(store.checkRefreshToken('c1', 'wxa', 'refreshtoken@@@fixed').ok).toBe(false);
  });

  it('ends an authorization: refresh token and pending codes die, the list drops it', () => {
    const { store } = setup();
    store.authorize('c1', 'wxb');
    const code = store.authorize('c1', 'wxa', undefined, 'refreshtoken@@@r').authorizationCode;
    expect(store.list('c1').map((a) => a.authorizerAppid)).toEqual(['wxb', 'wxa']);
    expect(store.unauthorize('c1', 'wxa')).toBe(true);
    expect(store.unauthorize('c1', 'wxa')).toBe(false);
    expect(store.checkRefreshToken('c1', 'wxa', 'refreshtoken@@@r')).toEqual({ ok: false, errcode: 61023 });
    expect(store.redeemCode('c1', code)).toEqual({ ok: false, errcode: 61009 });
    expect(store.list('c1').map((a) => a.authorizerAppid)).toEqual(['wxb']);
  });
});
