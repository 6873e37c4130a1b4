/**
 * IPv4 addresses and CIDR blocks as numbers: parsing, formatting and the arithmetic the pod
 * network needs (a node's podCIDR inside the cluster CIDR, the n-th address of a block).
 * Shared by the node-ipam controller and the kubelet's pod network.
 */

/** An IPv4 CIDR block, its base address normalised to the network address. */
export interface Ipv4Cidr {
  /** The network address as an unsigned 32-bit number. */
  network: number;
  /** Prefix length, 0-32. */
  prefix: number;
}

/** Text that is not an IPv4 address or CIDR. */
export class InvalidCidrError extends Error {
  constructor(readonly text: string, what = 'IPv4 CIDR') {
    super(`invalid ${what} "${text}": expected e.g. ${what === 'IPv4 CIDR' ? '10.42.0.0/16' : '10.42.0.1'}`);
    this.name = 'InvalidCidrError';
  }
}

/** `10.42.0.7` → its unsigned number; undefined when not a dotted-quad address. */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** An unsigned number → dotted quad. */
export function formatIpv4(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `10.42.3.9/16` → { network: 10.42.0.0, prefix: 16 }; throws {@link InvalidCidrError}. */
export function parseCidr(text: string): Ipv4Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  const ip = m ? parseIpv4(m[1]) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (ip === undefined || !(prefix >= 0 && prefix <= 32)) throw new InvalidCidrError(text);
  return { network: (ip & prefixMask(prefix)) >>> 0, prefix };
}

/** The block as text, e.g. `10.42.1.0/24`. */
export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

/** How many addresses the block spans (network and broadcast included). */
export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** Whether `ip` (a number) lies inside `cidr`. */
export function cidrContains(cidr: Ipv4Cidr, ip: number): boolean {
  return ((ip & prefixMask(cidr.prefix)) >>> 0) === cidr.network;
}

/** The `n`-th address of the block (0 = the network address). */
export function nthAddress(cidr: Ipv4Cidr, n: number): number {
  return (cidr.network + n) >>> 0;
}

function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}
