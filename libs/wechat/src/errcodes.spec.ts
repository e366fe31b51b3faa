import { describeErrcode, isTokenRejection, TOKEN_REJECTION_ERRCODES, WechatErrcode } from './errcodes.js';

describe('errcodes', () => {
  it('spells the codes of docs/wechat-protocol.md', () => {
    expect(WechatErrcode.INVALID_CREDENTIAL).toBe(40001);
    expect(WechatErrcode.ACCESS_TOKEN_EXPIRED).toBe(42001);
    expect(WechatErrcode.COMPONENT_TICKET_INVALID).toBe(61006);
    expect(WechatErrcode.REFRESH_TOKEN_INVALID).toBe(61023);
    expect(WechatErrcode.RELAY_TOKEN_NOT_READY).toBe(85113);
  });

  it('treats exactly 40001, 40014 and 42001 as a rejected token', () => {
    expect([...TOKEN_REJECTION_ERRCODES].sort()).toEqual([40001, 40014, 42001]);
    for (const code of [40001, 40014, 42001]) expect(isTokenRejection(code)).toBe(true);
    for (const code of [0, -1, 41001, 45009, 61023, 48001]) expect(isTokenRejection(code)).toBe(false);
    expect(isTokenRejection(undefined)).toBe(false);
  });

  it('describes known codes and names unknown ones', () => {
    expect(describeErrcode(61010)).toBe('authorization code expired');
    expect(describeErrcode(45009)).toBe('daily quota reached');
    expect(describeErrcode(12345)).toBe('WeChat errcode 12345');
  });
});
