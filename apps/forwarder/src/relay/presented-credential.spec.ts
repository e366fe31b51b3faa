import { createHash } from 'node:crypto';
import { fromCallerHeader, fromProxyAuthorization, isKnownCaller, MALFORMED, type PresentedCredential } from './presented-credential.js';

const sha = (s: string) => createHash('sha256').update(s).digest();
const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
const callers = new Map([['billing', sha('wxgc_right')]]);

describe('presented caller credentials', () => {
  it('reads name:secret from Basic proxy authorization and from x-wxgate-caller', () => {
    for (const presented of [fromProxyAuthorization(basic('billing:wxgc_right')), fromProxyAuthorization(`bAsIc  ${Buffer.from('billing:wxgc_right').toString('base64')}`), fromCallerHeader('billing:wxgc_right')]) {
      expect(presented).toEqual({ name: 'billing', secretHash: sha('wxgc_right') });
      expect(isKnownCaller(callers, presented as PresentedCredential)).toBe(true);
    }
    // Only the first colon separates: a secret may contain more.
    expect(fromCallerHeader('a:b:c')).toEqual({ name: 'a', secretHash: sha('b:c') });
  });

  it('calls everything else malformed', () => {
    for (const value of ['Bearer abc', 'Basic', 'Basic !!!', basic('nocolon'), basic(':secret'), basic('name:'), 'billing']) {
      expect([value, value.startsWith('B') ? fromProxyAuthorization(value) : fromCallerHeader(value)]).toEqual([value, MALFORMED]);
    }
  });

  it('refuses a wrong secret and an unknown name alike', () => {
    expect(isKnownCaller(callers, fromCallerHeader('billing:wxgc_wrong') as PresentedCredential)).toBe(false);
    expect(isKnownCaller(callers, fromCallerHeader('nobody:wxgc_right') as PresentedCredential)).toBe(false);
    expect(isKnownCaller(new Map(), fromCallerHeader('billing:wxgc_right') as PresentedCredential)).toBe(false);
  });
});
