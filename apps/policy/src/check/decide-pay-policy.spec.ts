import { PolicyModel } from '../model/policy-model.js';
import { decidePayPolicy } from './decide-policy.js';

const PATHS = new Set(['/v3/pay/transactions/jsapi', '/v3/pay/transactions/out-trade-no/{out_trade_no}', '/wxa/getwxacode']);

function model(): PolicyModel {
  const m = new PolicyModel();
  const env = (envId: string, merchants: string[]) => ({ envId, ownerAppid: 'wx00000000000000a1', ownerKind: 'app' as const, paths: PATHS, shares: new Set<string>(), merchants: new Set(merchants) });
  m.setEnv('one', env('one', ['1900000001']));
  m.setEnv('two', env('two', ['1900000001', '1900000002']));
  m.setEnv('none', env('none', []));
  return m;
}

describe('policy.check for WeChat Pay calls', () => {
  const m = model();
  it('answers the only bound merchant when none is named, and a named bound one', () => {
    expect(decidePayPolicy(m, { envId: 'one', path: '/v3/pay/transactions/jsapi' })).toEqual({ allowed: true, credential: { kind: 'merchant', mchid: '1900000001' } });
    expect(decidePayPolicy(m, { envId: 'two', path: '/v3/pay/transactions/jsapi', fromMchid: '1900000002' })).toEqual({ allowed: true, credential: { kind: 'merchant', mchid: '1900000002' } });
  });
  it('answers MERCHANT_NOT_BOUND (403) for an unbound merchant, none bound, or several bound and none named', () => {
    for (const input of [
      { envId: 'one', path: '/v3/pay/transactions/jsapi', fromMchid: '1900000002' },
      { envId: 'none', path: '/v3/pay/transactions/jsapi' },
      { envId: 'two', path: '/v3/pay/transactions/jsapi' },
    ]) {
      expect(decidePayPolicy(m, input)).toMatchObject({ allowed: false, reason: 'MERCHANT_NOT_BOUND', errcode: 48001 });
    }
  });
  it('matches {name} templates by one whole segment and refuses other paths', () => {
    expect(decidePayPolicy(m, { envId: 'one', path: '/v3/pay/transactions/out-trade-no/T-1' }).allowed).toBe(true);
    expect(decidePayPolicy(m, { envId: 'one', path: '/v3/pay/transactions/out-trade-no/T-1/close' })).toMatchObject({ reason: 'PATH_NOT_ALLOWED' });
    expect(decidePayPolicy(m, { envId: 'gone', path: '/v3/pay/transactions/jsapi' })).toMatchObject({ reason: 'ENV_NOT_FOUND' });
  });
});
