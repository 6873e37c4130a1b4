/**
 * Allocates Service ClusterIPs and NodePorts. Each allocated value is a reservation key in the
 * store (`/registry/ranges/serviceips/10.43.0.7`), claimed with create-if-absent, so no value is
 * ever handed out twice — not even by two API servers sharing one datastore — and a value is
 * free again once its key is deleted with its Service.
 */
import { KeyExistsError, KeyNotFoundError, type Store } from '../../storage/store.ts';

/** A range of integers [first, last] mapped to the values they stand for. */
export interface Range {
  first: number;
  last: number;
  format(n: number): string;
  parse(s: string): number | undefined;
  describe: string;
}

export function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function intToIpv4(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The usable addresses of an IPv4 CIDR (network and broadcast excluded). */
export function cidrRange(cidr: string): Range {
  const [ip, bitsText] = cidr.split('/');
  const base = ipv4ToInt(ip);
  const bits = Number(bitsText);
  if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) throw new Error(`invalid service CIDR ${cidr}: expected an IPv4 CIDR such as 10.43.0.0/16`);
  const size = 2 ** (32 - bits);
  const network = base - (base % size);
  return {
    first: network + 1,
    last: network + size - 2,
    format: intToIpv4,
    parse: ipv4ToInt,
    describe: cidr,
  };
}

export function portRange(first: number, last: number): Range {
  return {
    first,
    last,
    format: String,
    parse: (s) => (/^\d+$/.test(s) ? Number(s) : undefined),
    describe: `${first}-${last}`,
  };
}

/**
 * Random values tried before the allocator lists what is taken. While the range is mostly free
 * one of them is free (10,000 Services fill 15% of a /16: sixteen misses in a row happen once in
 * 10^13), and no step reads every claim. It used to count the claims in the store before each
 * allocation: a read of all of them per Service created, quadratic in Services (7.5% of the API
 * server's thread while 10,000 Services were created at 150,000 pods).
 */
const RANDOM_TRIES = 16;

export class AllocationError extends Error {
  constructor(message: string, readonly reason: 'outOfRange' | 'taken' | 'full') {
    super(message);
    this.name = 'AllocationError';
  }
}

export class Allocator {
  constructor(
    private readonly store: Store,
    private readonly prefix: string,
    readonly range: Range,
    private readonly random: () => number = Math.random,
  ) {}

  contains(value: string): boolean {
    const n = this.range.parse(value);
    return n !== undefined && n >= this.range.first && n <= this.range.last;
  }

  /** Claims `value` for `owner` (e.g. "default/web"). */
  async allocate(value: string, owner: string): Promise<void> {
    if (!this.contains(value)) throw new AllocationError(`provided ${value} is not in the valid range. The range of valid values is ${this.range.describe}`, 'outOfRange');
    if (!(await this.claim(value, owner))) throw new AllocationError(`provided ${value} is already allocated`, 'taken');
  }

  /** Claims some free value (see {@link Allocator.search}). */
  async allocateNext(owner: string): Promise<string> {
    return this.search((value) => this.claim(value, owner));
  }

  /** Picks a free value without claiming it (dry runs), as allocateNext would look for one. */
  async peekFree(): Promise<string> {
    return this.search(async (value) => !(await this.isAllocated(value)));
  }

  /**
   * The first value `take` accepts: a few random values first, then — the range mostly full,
   * or bad luck — a walk of the whole range from a random point, past what a list says is taken.
   */
  private async search(take: (value: string) => Promise<boolean>): Promise<string> {
    const size = this.range.last - this.range.first + 1;
    for (let i = 0; i < Math.min(RANDOM_TRIES, size); i++) {
      const value = this.range.format(this.range.first + Math.floor(this.random() * size));
      if (await take(value)) return value;
    }
    const taken = await this.takenSet();
    const start = Math.floor(this.random() * size);
    for (let i = 0; i < size; i++) {
      const n = this.range.first + ((start + i) % size);
      if (!taken.has(n) && (await take(this.range.format(n)))) return this.range.format(n);
    }
    throw new AllocationError(`range is full: no free value in ${this.range.describe}`, 'full');
  }

  /** Creates the value's reservation key; false when another owner holds it. */
  private async claim(value: string, owner: string): Promise<boolean> {
    try {
      await this.store.create(this.prefix + value, owner);
      return true;
    } catch (err) {
      if (err instanceof KeyExistsError) return false;
      throw err;
    }
  }

  async isAllocated(value: string): Promise<boolean> {
    return (await this.store.get(this.prefix + value)) !== undefined;
  }

  async release(value: string): Promise<void> {
    try {
      await this.store.delete(this.prefix + value);
    } catch (err) {
      if (!(err instanceof KeyNotFoundError)) throw err;
    }
  }

  /** Every claimed value with its owner. */
  async allocated(): Promise<Map<string, string>> {
    const page = await this.store.list(this.prefix);
    return new Map(page.items.map((kv) => [kv.key.slice(this.prefix.length), kv.value]));
  }

  /** The values claimed now, read in one list: for a range where random tries keep failing. */
  private async takenSet(): Promise<Set<number>> {
    const set = new Set<number>();
    for (const v of (await this.allocated()).keys()) {
      const n = this.range.parse(v);
      if (n !== undefined) set.add(n);
    }
    return set;
  }
}
