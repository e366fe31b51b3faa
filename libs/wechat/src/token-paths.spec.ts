import { componentTokenParam, isComponentApiPath, needsComponentAppidParam } from './token-paths.js';

describe('which path takes which token', () => {
  it.each([
    ['/cgi-bin/component/api_create_preauthcode', 'component_access_token', false],
    ['/cgi-bin/component/fastregisterweapp', 'component_access_token', false],
    ['/sns/component/jscode2session', 'component_access_token', true],
    // The template library takes the component token under the ordinary name.
    ['/wxa/gettemplatedraftlist', 'access_token', false],
    ['/wxa/addtotemplate', 'access_token', false],
    ['/wxa/commit', 'access_token', false],
    ['/cgi-bin/message/custom/send', 'access_token', false],
    ['/cgi-bin/componentx/foo', 'access_token', false],
    ['/cgi-bin/component', 'access_token', false],
    ['/sns/jscode2session', 'access_token', false],
  ] as const)('%s → %s', (path, param, needsAppid) => {
    expect(componentTokenParam(path)).toBe(param);
    expect(isComponentApiPath(path)).toBe(param === 'component_access_token');
    expect(needsComponentAppidParam(path)).toBe(needsAppid);
  });
});
