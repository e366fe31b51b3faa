import { z } from 'zod';
import { AddressAllowlist, cidrList, parseCidr } from './cidrs.js';

const DEFAULT = '127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7';
const schema = z.object({ RELAY_ALLOW_CIDRS: cidrList(DEFAULT) });

describe('CIDR allowlists', () => {
  it('parses addresses with and without a prefix, and refuses anything else', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0/8', '10.0.0.0/', '10.0.0.0/8/8', 'localhost', '10.0.0.0/-1', '10.0.0.0/0x8', '']) expect([bad, parseCidr(bad)]).toEqual([bad, undefined]);
  });

  it('allows the private ranges by default and refuses public addresses', () => {
    const list = schema.parse({}).RELAY_ALLOW_CIDRS;
    for (const ok of ['127.0.0.1', '127.9.9.9', '::1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', 'fd00::1', 'fc12:3456::1']) expect([ok, list.allows(ok)]).toEqual([ok, true]);
    for (const no of ['8.8.8.8', '172.32.0.1', '192.169.0.1', '2001:db8::1', 'fe80::1', '::2', undefined, 'garbage']) expect([no, list.allows(no)]).toEqual([no, false]);
  });

  it('matches IPv4-mapped IPv6 peers against IPv4 ranges', () => {
    const list = new AddressAllowlist([parseCidr('127.0.0.1/32')!]);
    expect(list.allows('::ffff:127.0.0.1')).toBe(true);
    expect(list.allows('::ffff:127.0.0.2')).toBe(false);
    expect(list.allows('127.0.0.2')).toBe(false);
  });

  it('names the bad entry', () => {
    const result = schema.safeParse({ RELAY_ALLOW_CIDRS: '10.0.0.0/8, 300.1.1.1/8' });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toContain('"300.1.1.1/8"');
    expect(schema.safeParse({ RELAY_ALLOW_CIDRS: ' , ' }).success).toBe(false);
    expect(schema.parse({ RELAY_ALLOW_CIDRS: '0.0.0.0/0,::/0' }).RELAY_ALLOW_CIDRS.allows('203.0.113.9')).toBe(true);
  });
});
