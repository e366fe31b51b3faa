import { appendParams, readQuery, RepeatedParameterError, withoutFromAppid } from './relay-query.js';

describe('relay query', () => {
  it('reads from_appid, caller tokens and component_appid, decoding only their names', () => {
    expect(readQuery('')).toEqual({ callerToken: false, hasComponentAppid: false, hasFromAppid: false });
    expect(readQuery('a=1&from_appid=wx1234567890&b=2')).toMatchObject({ fromAppid: 'wx1234567890', callerToken: false, hasFromAppid: true });
    expect(readQuery('access%5Ftoken=x')).toMatchObject({ callerToken: true });
    expect(readQuery('component_access_token=x&component_appid=wxc')).toMatchObject({ callerToken: true, hasComponentAppid: true });
    expect(readQuery('from_appid=')).toMatchObject({ fromAppid: undefined, hasFromAppid: true });
  });

  it.each(['from_appid=a&from_appid=b', 'access_token=a&access_token=b', 'component_access_token=a&component%5Faccess%5Ftoken=b', 'from%5Fappid=a&from_appid=a'])('refuses %s', (q) => {
    expect(() => readQuery(q)).toThrow(RepeatedParameterError);
  });

  it('removes from_appid and keeps every other byte', () => {
    expect(withoutFromAppid('from_appid=wx1&a=%2F+b&&c')).toBe('a=%2F+b&&c');
    expect(withoutFromAppid('a=1&from%5Fappid=wx1')).toBe('a=1');
    expect(withoutFromAppid('from_appid=wx1')).toBe('');
  });

  it('appends parameters', () => {
    expect(appendParams('', 'access_token=t')).toBe('access_token=t');
    expect(appendParams('a=1', 'access_token=t')).toBe('a=1&access_token=t');
    expect(appendParams('a=1&', 'access_token=t')).toBe('a=1&access_token=t');
  });
});
