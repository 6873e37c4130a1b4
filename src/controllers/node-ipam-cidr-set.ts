/**
 * The node-ipam controller's bookkeeping (upstream's cidrset): the cluster CIDR cut into
 * equal node blocks (`/maskSize` each), which of them are taken, and the next free one. Pure
 * and in memory: the controller rebuilds it from the Nodes at start, so no block is given twice.
 */
import { cidrContains, formatCidr, InvalidCidrError, parseCidr, type Ipv4Cidr } from '../kubelet/network/ipv4.ts';

/** The cluster CIDR and node mask size do not fit together. */
export class CidrSetConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CidrSetConfigError';
  }
}

/** Largest number of node blocks a cluster CIDR may be cut into (upstream's limit: 16 bits). */
const MAX_SUBNET_BITS = 16;

/** Node blocks of one cluster CIDR, each free or taken. */
export class CidrSet {
  private readonly cluster: Ipv4Cidr;
  private readonly used = new Set<number>();
  /** Where the search for a free block starts: round robin, so a freed block is not reused at once. */
  private next = 0;
  /** How many node blocks the cluster CIDR holds. */
  readonly capacity: number;

  /**
   * @param clusterCidr e.g. 10.42.0.0/16
   * @param maskSize each node's prefix length, e.g. 24
   */
  constructor(clusterCidr: string, readonly maskSize: number) {
    this.cluster = parseCidr(clusterCidr);
    const bits = maskSize - this.cluster.prefix;
    if (!Number.isInteger(maskSize) || maskSize > 30 || bits < 0) {
      throw new CidrSetConfigError(`node CIDR mask size ${maskSize} does not fit the cluster CIDR ${clusterCidr}: it must be between ${this.cluster.prefix} and 30`);
    }
    if (bits > MAX_SUBNET_BITS) {
      throw new CidrSetConfigError(`node CIDR mask size ${maskSize} cuts the cluster CIDR ${clusterCidr} into more than 2^${MAX_SUBNET_BITS} blocks: use a mask size of at most ${this.cluster.prefix + MAX_SUBNET_BITS}`);
    }
    this.capacity = 2 ** bits;
  }

  /** Takes the next free block; undefined when every block is taken. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.capacity; i++) {
      const index = (this.next + i) % this.capacity;
      if (this.used.has(index)) continue;
      this.used.add(index);
      this.next = (index + 1) % this.capacity;
      return formatCidr(this.block(index));
    }
    return undefined;
  }

  /** Marks the blocks `cidr` overlaps as taken; false when it lies outside the cluster CIDR (or is not a CIDR). */
  occupy(cidr: string): boolean {
    const indices = this.indicesOf(cidr);
    for (const i of indices) this.used.add(i);
    return indices.length > 0;
  }

  /** Marks the blocks `cidr` overlaps as free again. */
  release(cidr: string): void {
    for (const i of this.indicesOf(cidr)) this.used.delete(i);
  }

  /** How many blocks are taken. */
  get allocated(): number {
    return this.used.size;
  }

  private block(index: number): Ipv4Cidr {
    return { network: (this.cluster.network + index * 2 ** (32 - this.maskSize)) >>> 0, prefix: this.maskSize };
  }

  /** Indices of the node blocks `text` overlaps, or none when it is outside the cluster CIDR. */
  private indicesOf(text: string): number[] {
    let cidr: Ipv4Cidr;
    try {
      cidr = parseCidr(text);
    } catch (err) {
      if (err instanceof InvalidCidrError) return [];
      throw err;
    }
    if (cidr.prefix < this.cluster.prefix || !cidrContains(this.cluster, cidr.network)) return [];
    const blockSize = 2 ** (32 - this.maskSize);
    const first = Math.floor((cidr.network - this.cluster.network) / blockSize);
    const count = Math.max(1, 2 ** (this.maskSize - Math.min(cidr.prefix, this.maskSize)));
    return Array.from({ length: count }, (_, i) => first + i);
  }
}
