import { isTokenRequestProblem, readTokenRequest } from './token-request.js';

const json = (value: object) => Buffer.from(JSON.stringify(value));

describe('readTokenRequest', () => {
  it('reads /cgi-bin/token from the query, on GET and POST alike', () => {
    for (const method of ['GET', 'POST']) {
      expect(readTokenRequest('/cgi-bin/token', method, 'grant_type=client_credential&appid=wxapp00000001&secret=s%26t', undefined)).toEqual({
        kind: 'app',
        appid: 'wxapp00000001',
        secret: 's&t',
        forceRefresh: false,
      });
    }
  });

  it('reads stable_token and its force_refresh from the JSON body', () => {
    expect(readTokenRequest('/cgi-bin/stable_token', 'POST', '', json({ grant_type: 'client_credential', appid: 'wxapp00000001', secret: 's', force_refresh: true }))).toEqual({
      kind: 'app',
      appid: 'wxapp00000001',
      secret: 's',
      forceRefresh: true,
    });
  });

  it('takes the component token from the query for authorizer tokens and code exchanges', () => {
    expect(
      readTokenRequest('/cgi-bin/component/api_authorizer_token', 'POST', 'component_access_token=T%2B', json({ component_appid: 'wxcomp0000001', authorizer_appid: 'wxauth0000001', authorizer_refresh_token: 'ignored' })),
    ).toEqual({ kind: 'authorizer', componentAppid: 'wxcomp0000001', authorizerAppid: 'wxauth0000001', componentToken: 'T+' });
    expect(readTokenRequest('/cgi-bin/component/api_query_auth', 'POST', 'component_access_token=T', json({ component_appid: 'wxcomp0000001', authorization_code: 'code' }))).toEqual({
      kind: 'exchange',
      componentAppid: 'wxcomp0000001',
      componentToken: 'T',
      authorizationCode: 'code',
    });
  });

  it.each([
    ['/cgi-bin/token', 'GET', 'grant_type=authorization_code&appid=wxapp00000001', undefined, 'grant_type'],
    ['/cgi-bin/token', 'GET', 'grant_type=client_credential&appid=not.an.appid', undefined, 'appid'],
    ['/cgi-bin/stable_token', 'GET', '', undefined, 'POST'],
    ['/cgi-bin/stable_token', 'POST', '', Buffer.from('not json'), 'JSON object'],
    ['/cgi-bin/component/api_component_token', 'POST', '', json({}), 'component_appid'],
    ['/cgi-bin/component/api_authorizer_token', 'POST', '', json({ component_appid: 'wxcomp0000001', authorizer_appid: 'wxauth0000001' }), 'component_access_token'],
    ['/cgi-bin/component/api_query_auth', 'POST', 'component_access_token=T', json({ component_appid: 'wxcomp0000001' }), 'authorization_code'],
  ])('%s %s?%s cannot be answered: the problem names %s', (path, method, query, body, named) => {
    const read = readTokenRequest(path, method, query, body);
    expect(isTokenRequestProblem(read) && read.problem).toContain(named);
  });
});
