import { credentialsTable, tokenCredentials } from './credentials.js';

describe('credential listings', () => {
  const listed = [
    { kind: 'component', appid: 'wxc0ffee0000000001', status: 'ok', tokenExpiresAt: 1_800_000_060_000, ticketAt: 1_799_999_990_000 },
    { kind: 'merchant', mchid: '1900000109', mode: 'public_key', status: 'ok' },
  ];

  it('keeps the credentials that have tokens: merchants are listed by `merchant list`', () => {
    expect(tokenCredentials(listed).map((c) => c.kind)).toEqual(['component']);
  });

  it('tables them without a row for a merchant', () => {
    const out = credentialsTable(tokenCredentials(listed), 1_800_000_000_000);
    expect(out).toContain('wxc0ffee0000000001');
    expect(out).toContain('1m');
    expect(out).not.toContain('merchant');
    expect(out).not.toContain('undefined');
    expect(credentialsTable([])).toBe('(none)');
  });
});
