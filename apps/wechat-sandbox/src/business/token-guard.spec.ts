import { ManualClock } from '@wxgate/platform';
import { WechatFailure } from '../http/wechat-errors.js';
import { defaultKnobs } from '../knobs.js';
import { SandboxState } from '../sandbox-state.js';
import { guardToken, requirementFor } from './token-guard.js';

function errcodeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof WechatFailure) return e.errcode;
    throw e;
  }
  return undefined;
}

describe('guardToken', () => {
  const state = new SandboxState(new ManualClock(), defaultKnobs());
  const component = state.tokens.issue({ kind: 'component', channel: 'component', appid: 'c1' }).token;
  const app = state.tokens.issue({ kind: 'app', channel: 'token', appid: 'wxapp' }).token;
  state.authorizations.authorize('c1', 'wxa', [17]);
  const authorizer = state.tokens.issue({ kind: 'authorizer', channel: 'authorizer', appid: 'wxa', componentAppid: 'c1' }).token;
  const q = (param: string, token: string) => new URLSearchParams({ [param]: token });

  it('takes the token parameter WeChat takes for the path', () => {
    expect(requirementFor('/sns/component/jscode2session').param).toBe('component_access_token');
    expect(requirementFor('/wxa/gettemplatedraftlist')).toEqual({ param: 'access_token', kinds: ['component'] });
    expect(requirementFor('/wxa/commit')).toEqual({ param: 'access_token', kinds: ['authorizer', 'app'], funcScope: 18 });
  });

  it('answers 48001 for the wrong kind of token', () => {
    expect(errcodeOf(() => guardToken(state, '/wxa/commit', q('access_token', component)))).toBe(48001);
    expect(errcodeOf(() => guardToken(state, '/wxa/gettemplatedraftlist', q('access_token', app)))).toBe(48001);
    expect(errcodeOf(() => guardToken(state, '/sns/component/jscode2session', q('component_access_token', authorizer)))).toBe(48001);
  });

  it('answers 61007 when the authorizer has not granted the permission set', () => {
    expect(errcodeOf(() => guardToken(state, '/wxa/commit', q('access_token', authorizer)))).toBe(61007);
    expect(guardToken(state, '/wxa/msg_sec_check', q('access_token', authorizer)).appid).toBe('wxa');
    expect(guardToken(state, '/wxa/commit', q('access_token', app)).appid).toBe('wxapp');
  });

  it('answers 41001 when the token is under the wrong parameter name', () => {
    expect(errcodeOf(() => guardToken(state, '/wxa/gettemplatedraftlist', q('component_access_token', component)))).toBe(41001);
  });
});
