import { buildWechatXml, parseWechatXml, wechatMessageToEvent, WechatXmlError } from './xml.js';

const V1_PLAINTEXT =
  '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>';

describe('parseWechatXml', () => {
  it('reads the official sample message field by field, as strings', () => {
    expect(parseWechatXml(V1_PLAINTEXT)).toEqual({
      ToUserName: 'gh_10f6c3c3ac5a',
      FromUserName: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
      CreateTime: '1409735668',
      MsgType: 'text',
      Content: 'abcdteT',
      // A 64-bit id: number coercion would corrupt it.
      MsgId: '6054768590064713728',
    });
  });

  it('reads the callback envelope and a component_verify_ticket', () => {
    expect(parseWechatXml('<xml>\n  <AppId><![CDATA[wx1234567890abcdef]]></AppId>\n  <Encrypt><![CDATA[abc+/=]]></Encrypt>\n</xml>')).toEqual({
      AppId: 'wx1234567890abcdef',
      Encrypt: 'abc+/=',
    });
    const ticket = parseWechatXml(
      '<?xml version="1.0" encoding="UTF-8"?><xml><AppId>wx1234567890abcdef</AppId><CreateTime>1413192605</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>ticket@@@abc</ComponentVerifyTicket></xml>',
    );
    expect(ticket.ComponentVerifyTicket).toBe('ticket@@@abc');
  });

  it('keeps CDATA content untouched, whitespace and markup included', () => {
    expect(parseWechatXml('<xml><A><![CDATA[  padded \n]]></A><B><![CDATA[<b>&amp;</b>]]></B><C></C><D/></xml>')).toEqual({
      A: '  padded \n',
      B: '<b>&amp;</b>',
      C: '',
      D: '',
    });
  });

  it('keeps entity references as written instead of expanding them', () => {
    expect(parseWechatXml('<xml><A>a &amp; b &lt;c&gt; &#60;</A></xml>').A).toBe('a &amp; b &lt;c&gt; &#60;');
  });

  it('skips nested elements and ignores attributes and comments', () => {
    expect(parseWechatXml('<xml><A x="1">a</A><!-- note --><Nested><B>1</B></Nested></xml>')).toEqual({ A: 'a' });
  });

  it.each([
    ['billion laughs', '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><xml><A>&lol2;</A></xml>'],
    ['external entity', '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>'],
    ['lower-case doctype', '<!doctype xml><xml><A>a</A></xml>'],
    ['a bare entity declaration', '<xml><!EnTiTy x "y"><A>a</A></xml>'],
  ])('refuses a %s', (_name, xml) => {
    expect(() => parseWechatXml(xml)).toThrow(WechatXmlError);
    expect(() => parseWechatXml(xml)).toThrow(/DOCTYPE or ENTITY/);
  });

  it.each([
    ['mismatched tags', '<xml><A>a</B></xml>'],
    ['unclosed root', '<xml><A>a</A>'],
    ['not XML', 'success'],
    ['empty', ''],
    ['a bare ampersand', '<xml><A>a & b</A></xml>'],
    ['another root', '<root><A>a</A></root>'],
    ['two roots', '<xml><A>a</A></xml><xml><A>b</A></xml>'],
    ['text after the root', '<xml><A>a</A></xml>trailing'],
    ['a repeated field', '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>'],
    ['a NUL between elements', '<xml><A>a</A>\u0000<B>b</B></xml>'],
    ['a control character in a value', '<xml><A>a\u0001</A></xml>'],
    ['a lone surrogate (invalid UTF-8 decoded leniently)', '<xml><A>\ud800</A></xml>'],
    ['U+FFFF', '<xml><A>\uffff</A></xml>'],
  ])('refuses %s', (_name, xml) => {
    expect(() => parseWechatXml(xml)).toThrow(WechatXmlError);
  });

  it('never lets a field name reach an object prototype', () => {
    expect(() => parseWechatXml('<xml><__proto__><polluted>x</polluted></__proto__></xml>')).toThrow(WechatXmlError);
    expect(() => parseWechatXml('<xml><constructor>y</constructor></xml>')).toThrow(WechatXmlError);
    expect(Object.getPrototypeOf(parseWechatXml('<xml><A>a</A></xml>'))).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('buildWechatXml', () => {
  it('writes strings as CDATA and numbers bare', () => {
    expect(buildWechatXml({ Encrypt: 'abc', MsgSignature: 'sig', TimeStamp: 1713424427, Nonce: '415670741' })).toBe(
      '<xml><Encrypt><![CDATA[abc]]></Encrypt><MsgSignature><![CDATA[sig]]></MsgSignature><TimeStamp>1713424427</TimeStamp><Nonce><![CDATA[415670741]]></Nonce></xml>',
    );
  });

  it('survives a value containing ]]> and round-trips every value exactly', () => {
    const fields = { A: 'x]]><injected/>y', B: ']]>]]>', C: '', D: '中文 &amp; <b>' };
    const xml = buildWechatXml(fields);
    expect(parseWechatXml(xml)).toEqual(fields);
  });

  it('refuses element names that would break the document', () => {
    expect(() => buildWechatXml({ 'a b': 'x' })).toThrow(WechatXmlError);
    expect(() => buildWechatXml({ '<x>': 'x' })).toThrow(WechatXmlError);
    expect(() => buildWechatXml({ A: Number.NaN })).toThrow(WechatXmlError);
  });
});

describe('wechatMessageToEvent', () => {
  it('publishes time fields as numbers and keeps every other field as written', () => {
    expect(
      wechatMessageToEvent({
        AppId: 'wx1234567890abcdef',
        CreateTime: '1413192605',
        InfoType: 'authorized',
        AuthorizerAppid: 'wxabcdef1234567890',
        AuthorizationCode: 'code',
        AuthorizationCodeExpiredTime: '1413196205',
        PreAuthCode: 'preauth',
      }),
    ).toEqual({
      AppId: 'wx1234567890abcdef',
      CreateTime: 1413192605,
      InfoType: 'authorized',
      AuthorizerAppid: 'wxabcdef1234567890',
      AuthorizationCode: 'code',
      AuthorizationCodeExpiredTime: 1413196205,
      PreAuthCode: 'preauth',
    });
  });

  it('leaves a non-numeric time field as a string rather than NaN', () => {
    expect(wechatMessageToEvent({ CreateTime: 'soon' })).toEqual({ CreateTime: 'soon' });
    expect(wechatMessageToEvent({ MsgId: '6054768590064713728' })).toEqual({ MsgId: '6054768590064713728' });
  });
});
