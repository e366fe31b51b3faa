import { splitFromMchid } from './pay-relay.js';

describe('from_mchid on a WeChat Pay call', () => {
  it('is taken out of the relayed query, the rest kept byte for byte', () => {
    expect(splitFromMchid('mchid=1900009191&from_mchid=1900009192')).toEqual({ fromMchid: '1900009192', query: 'mchid=1900009191' });
    expect(splitFromMchid('from_mchid=1')).toEqual({ fromMchid: '1', query: '' });
    expect(splitFromMchid('a=%2F&b=c')).toEqual({ query: 'a=%2F&b=c' });
  });
  it('may not be repeated', () => {
    expect(splitFromMchid('from_mchid=1&from_mchid=2')).toBe('repeated');
  });
});
