import { peerAddress, upstreamRequestHeaders } from './relay-headers.js';

describe('relay headers', () => {
  it('drops hop-by-hop and Connection-named request headers and the caller’s Host, appends the peer', () => {
    const raw = ['Host', 'api.weixin.qq.com', 'Connection', 'keep-alive, X-Private', 'X-Private', '1', 'TE', 'trailers', 'Expect', '100-continue', 'X-Forwarded-For', '10.0.0.1', 'x-forwarded-for', '10.0.0.2', 'Content-Type', 'application/json', 'Content-Length', '2'];
    expect(upstreamRequestHeaders(raw, { peer: '127.0.0.1', keepContentLength: false })).toEqual([
      'Content-Type', 'application/json', 'x-forwarded-for', '10.0.0.1, 10.0.0.2, 127.0.0.1',
    ]);
    expect(upstreamRequestHeaders(['Content-Length', '5'], { peer: 'p', keepContentLength: true })).toEqual(['Content-Length', '5', 'x-forwarded-for', 'p']);
  });

  it('writes IPv4-mapped peers as plain IPv4', () => {
    expect(peerAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(peerAddress('::1')).toBe('::1');
  });
});
