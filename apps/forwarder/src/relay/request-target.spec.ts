import { parseTarget } from './request-target.js';

describe('parseTarget', () => {
  it('splits an origin-form target without decoding anything', () => {
    expect(parseTarget('/wxa/getwxacode?a=%2F&b')).toEqual({ path: '/wxa/getwxacode', rawQuery: 'a=%2F&b' });
    expect(parseTarget('/cgi-bin/message/custom/send')).toEqual({ path: '/cgi-bin/message/custom/send', rawQuery: '' });
  });

  it('accepts absolute-form targets on WeChat API hosts at the default port', () => {
    expect(parseTarget('http://api.weixin.qq.com/wxa/commit?x=1')).toEqual({ path: '/wxa/commit', rawQuery: 'x=1', host: 'api.weixin.qq.com' });
    expect(parseTarget('http://HK.api.weixin.qq.com:80/wxa/commit')).toEqual({ path: '/wxa/commit', rawQuery: '', host: 'hk.api.weixin.qq.com' });
    expect(parseTarget('https://api2.weixin.qq.com:443/wxa/commit')).toEqual({ path: '/wxa/commit', rawQuery: '', host: 'api2.weixin.qq.com' });
    expect(parseTarget('https://api.mch.weixin.qq.com/v3/certificates')).toEqual({ path: '/v3/certificates', rawQuery: '', host: 'api.mch.weixin.qq.com' });
  });

  it.each(['http://example.com/wxa/commit', 'http://api.weixin.qq.com:8080/wxa/commit', 'http://a@api.weixin.qq.com/x', 'ftp://api.weixin.qq.com/x', 'http://api.weixin.qq.com.example.com/x', 'http://[::1]/x'])(
    'refuses the host of %s',
    (target) => {
      expect(parseTarget(target)).toMatchObject({ reason: 'HOST_NOT_ALLOWED' });
    },
  );

  it.each(['/wxa/../cgi-bin/token', '/wxa/%2e%2e/x', '/wxa%2fx', '//wxa', '/wxa/./x', '/wxa\\x', '/x%00', '/wxa/\u00e9', '*', 'http://api.weixin.qq.com', 'http://api.weixin.qq.com?x=1'])('refuses the path of %j', (target) => {
    expect(parseTarget(target)).toMatchObject({ reason: 'BAD_PATH' });
  });

  it.each(['/wxa/commit?a=1#x', '/wxa/commit?#', 'http://api.weixin.qq.com/wxa/commit?x=1#y'])('refuses the fragment of %j as BAD_QUERY', (target) => {
    expect(parseTarget(target)).toMatchObject({ reason: 'BAD_QUERY' });
  });
});
