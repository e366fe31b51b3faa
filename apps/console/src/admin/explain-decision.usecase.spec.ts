import { explain } from './explain-decision.usecase.js';

const env = { envId: 'prod', ownerAppid: 'wxowner000000001', ownerKind: 'app' as const, paths: ['/wxa/commit'], appids: ['wxshared00000001'] };

describe('explain', () => {
  it('names the share list when a shared app token is used', () => {
    const out = explain({ envId: 'prod', path: '/wxa/commit', fromAppid: 'wxshared00000001' }, { allowed: true, credential: { kind: 'app', appid: 'wxshared00000001' }, tokenParam: 'access_token' }, env);
    expect(out.because).toMatch(/share list/);
  });

  it('says why a component API gets component_access_token', () => {
    const out = explain({ envId: 'c', path: '/cgi-bin/component/api_query_auth' }, { allowed: true, credential: { kind: 'component', appid: 'wxcomp000000001' }, tokenParam: 'component_access_token', componentAppid: 'wxcomp000000001' });
    expect(out.because).toMatch(/component API.*component_appid=wxcomp000000001/);
  });

  it('tells how to fix a path that is not allowed', () => {
    const out = explain({ envId: 'prod', path: '/wxa/x' }, { allowed: false, reason: 'PATH_NOT_ALLOWED', errcode: 85107, message: 'not allowed' }, env);
    expect(out.because).toContain("/wxa/x is not on prod's allowlist");
    expect(out.fix).toContain('Add /wxa/x');
  });
});
