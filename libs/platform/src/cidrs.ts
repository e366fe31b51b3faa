import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `::1/128`, or a bare address (a /32 or /128); `undefined` when it is none of these. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * A comma-separated CIDR list variable, parsed into a matcher. A bad entry fails the whole
 * configuration with a message naming it.
 */
export const cidrList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const cidrs: Cidr[] = [];
      for (const entry of value.split(',').map((s) => s.trim())) {
        if (entry === '') continue;
        const cidr = parseCidr(entry);
        if (!cidr) {
          ctx.addIssue({ code: 'custom', message: `has ${JSON.stringify(entry.slice(0, 64))}, which is not a CIDR (address/prefix, e.g. 10.0.0.0/8 or fc00::/7)` });
          return z.NEVER;
        }
        cidrs.push(cidr);
      }
      if (cidrs.length === 0) {
        ctx.addIssue({ code: 'custom', message: 'must list at least one CIDR (0.0.0.0/0,::/0 allows every address)' });
        return z.NEVER;
      }
      return new AddressAllowlist(cidrs);
    });

/**
 * Source addresses allowed to connect, on Node's native `net.BlockList` (used as an allow list):
 * one lookup per accepted connection, no parsing in JavaScript. IPv4-mapped IPv6 addresses
 * (`::ffff:10.1.2.3`, what a dual-stack listener reports for IPv4 peers) match IPv4 ranges.
 */
export class AddressAllowlist {
  private readonly list = new BlockList();

  constructor(readonly cidrs: readonly Cidr[]) {
    for (const cidr of cidrs) this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }

  allows(address: string | undefined): boolean {
    if (!address) return false;
    const version = isIP(address);
    if (version === 0) return false;
    return this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }

  toString(): string {
    return this.cidrs.map((c) => `${c.address}/${c.prefix}`).join(',');
  }
}
