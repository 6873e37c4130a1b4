/**
 * The pod addresses of one hollow node: a /24 handed out from .2 upward (.1 is the gateway a
 * real node's bridge would hold), one per pod uid, returned when the pod goes.
 */
export class PodIPRange {
  private readonly base: number;
  private readonly size: number;
  private readonly byUid = new Map<string, string>();
  private readonly used = new Set<number>();
  private next = 2;

  /** @param cidr an IPv4 range, e.g. "100.64.3.0/24" (up to /30). */
  constructor(cidr: string) {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    const bits = m ? Number(m[5]) : NaN;
    if (!m || bits > 30 || bits < 8) throw new RangeError(`not an IPv4 range this node can use: ${cidr}`);
    this.size = 2 ** (32 - bits);
    this.base = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    this.base -= this.base % this.size;
  }

  /** The address of pod `uid`: the one it has, or a free one; undefined when the range is full. */
  allocate(uid: string): string | undefined {
    const held = this.byUid.get(uid);
    if (held) return held;
    for (let tried = 0; tried < this.size - 3; tried++) {
      const offset = this.next;
      this.next = this.next + 1 >= this.size - 1 ? 2 : this.next + 1;
      if (this.used.has(offset)) continue;
      return this.hold(uid, offset);
    }
    return undefined;
  }

  /** Records that pod `uid` already has `ip` (a node picking up pods it reported before); false if not ours or taken. */
  reserve(uid: string, ip: string): boolean {
    const n = ipToInt(ip);
    if (n === undefined || n - this.base < 2 || n - this.base >= this.size - 1) return false;
    const offset = n - this.base;
    if (this.byUid.get(uid) === ip) return true;
    if (this.used.has(offset)) return false;
    this.hold(uid, offset);
    return true;
  }

  /** Frees pod `uid`'s address. */
  release(uid: string): void {
    const ip = this.byUid.get(uid);
    if (!ip) return;
    this.byUid.delete(uid);
    this.used.delete(ipToInt(ip)! - this.base);
  }

  private hold(uid: string, offset: number): string {
    const n = this.base + offset;
    const ip = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    this.used.add(offset);
    this.byUid.set(uid, ip);
    return ip;
  }
}

function ipToInt(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  return m ? ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0 : undefined;
}
