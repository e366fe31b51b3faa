import { allowlistEntryMatches, allowlistPathProblem, ComponentPutRequest, parsePayload, Reason, relayPathProblem, WxgateError, NOT_JSON, AllowlistChangeRequest } from './index.js';

describe('relay path rules', () => {
  it.each(['/wxa/getwxacode', '/cgi-bin/message/custom/send', '/a.b~c_d-e'])('accepts %s', (p) => {
    expect(relayPathProblem(p)).toBeUndefined();
  });
  it.each(['/wxa/../cgi-bin/token', '/wxa/./x', '//wxa', '/wxa//x', '/wxa/%2e', '/wxa\\x', '/wxa/\u00e9', '/wxa/x\u0000', 'wxa'])(
    'rejects %j',
    (p) => {
      expect(relayPathProblem(p)).toBeDefined();
    },
  );
  it('names the problem of every path over a small alphabet as the segment rules say', () => {
    // Every path of up to 6 characters over `/ . a`: the reason is the rule's, checked against the segments.
    const expected = (p: string): string | undefined => {
      if (!p.startsWith('/')) return 'must start with /';
      if (p === '/') return undefined;
      const segments = p.slice(1).split('/');
      if (segments.includes('')) return 'has an empty segment';
      if (segments.includes('.') || segments.includes('..')) return 'has a . or .. segment';
      return undefined;
    };
    let paths = [''];
    for (let length = 1; length <= 6; length++) {
      paths = paths.flatMap((p) => ['/', '.', 'a'].map((c) => p + c));
      for (const p of paths) expect([p, relayPathProblem(p)]).toEqual([p, expected(p)]);
    }
    expect(relayPathProblem('/...')).toBeUndefined();
    expect(relayPathProblem('/a/..b')).toBeUndefined();
  });
  it('rejects reserved and trailing-slash allowlist entries', () => {
    expect(allowlistPathProblem('/cgi-bin/token')).toMatch(/reserved/);
    expect(allowlistPathProblem('/wxa/commit/')).toMatch(/end with/);
    expect(allowlistPathProblem('/wxa/commit')).toBeUndefined();
  });
});

describe('parsePayload', () => {
  it('names every missing field without echoing values', () => {
    const err = (() => {
      try {
        parsePayload(ComponentPutRequest, { componentAppid: 'wx1234567890abcdef', componentAppsecret: 'topsecret' });
      } catch (e) {
        return e as WxgateError;
      }
    })();
    expect(err).toBeInstanceOf(WxgateError);
    expect(err?.reason).toBe(Reason.BAD_REQUEST);
    expect(err?.message).toContain('token is required');
    expect(err?.message).toContain('encodingAesKey is required');
    expect(err?.message).not.toContain('topsecret');
  });
  it('rejects a non-JSON payload', () => {
    expect(() => parsePayload(ComponentPutRequest, { [NOT_JSON]: true })).toThrow('payload is not JSON');
  });
  it('names the bad allowlist path', () => {
    expect(() => parsePayload(AllowlistChangeRequest, { envId: 'prod', paths: ['/ok', '/cgi-bin/token'] })).toThrow(/cgi-bin\/token/);
  });
});

describe('WeChat Pay allowlist templates', () => {
  it('accepts {name} segments on pay paths only', () => {
    expect(allowlistPathProblem('/v3/pay/transactions/out-trade-no/{out_trade_no}')).toBeUndefined();
    expect(allowlistPathProblem('/v3/pay/transactions/out-trade-no/{out_trade_no}/close')).toBeUndefined();
    expect(allowlistPathProblem('/wxa/{name}')).toBeDefined();
    expect(allowlistPathProblem('/v3/pay/{Bad-Name}')).toMatch(/malformed/);
    expect(allowlistPathProblem('/v3/pay/x{y}')).toMatch(/malformed/);
  });
  it('matches one whole segment per {name}, nothing more', () => {
    const entry = '/v3/pay/transactions/out-trade-no/{out_trade_no}';
    expect(allowlistEntryMatches(entry, '/v3/pay/transactions/out-trade-no/T-1')).toBe(true);
    expect(allowlistEntryMatches(entry, '/v3/pay/transactions/out-trade-no/T-1/close')).toBe(false);
    expect(allowlistEntryMatches(entry, '/v3/pay/transactions/out-trade-no')).toBe(false);
    expect(allowlistEntryMatches('/v3/pay/transactions/jsapi', '/v3/pay/transactions/jsapi')).toBe(true);
    expect(allowlistEntryMatches('/wxa/{x}', '/wxa/{x}')).toBe(true);
    expect(allowlistEntryMatches('/wxa/{x}', '/wxa/y')).toBe(false);
  });
});
