import { passwordMatches, tokensEqual } from './password.js';

describe('passwordMatches', () => {
  it('accepts only the exact password', () => {
    expect(passwordMatches('correct horse', 'correct horse')).toBe(true);
    expect(passwordMatches('correct hors', 'correct horse')).toBe(false);
    expect(passwordMatches('correct horse ', 'correct horse')).toBe(false);
    expect(passwordMatches(undefined, 'correct horse')).toBe(false);
    expect(passwordMatches(['correct horse'], 'correct horse')).toBe(false);
  });
});

describe('tokensEqual', () => {
  it('compares tokens of any length without throwing', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abcd', 'abc')).toBe(false);
    expect(tokensEqual(undefined, 'abc')).toBe(false);
  });
});
