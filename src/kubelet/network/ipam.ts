/**
 * Pod IP address management on disk (the shape of CNI's host-local plugin): one file per
 * allocated address in the IPAM directory, named by the address and holding the sandbox id.
 * A file is created whole or not at all — written under a temporary name, then hard-linked to
 * the address's name, which fails if the address is taken — so no address is handed out twice,
 * not even across a crash. Allocation is round robin from the last address handed out (kept in
 * `last_reserved_ip`), so a freed address is not reused at once. State lives only on disk: a
 * restarted kubelet sees what the last one allocated, and asking again for a sandbox that has an
 * address returns that address.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cidrSize, formatIpv4, nthAddress, parseCidr, parseIpv4 } from './ipv4.ts';

/** Every address of the pod CIDR is taken. */
export class IpRangeExhaustedError extends Error {
  constructor(readonly podCidr: string) {
    super(`no IP address left in the node's pod CIDR ${podCidr}`);
    this.name = 'IpRangeExhaustedError';
  }
}

const LAST_RESERVED = 'last_reserved_ip';

/** Pod addresses of one node, as files in `dir`. */
export class HostLocalIpam {
  /** Operations run one at a time, so one sandbox never gets two addresses from concurrent calls. */
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * The allocations as this instance last read or made them (address → sandbox id), read from
   * disk once: a node starting a hundred pods would otherwise read every address file for each.
   * Only one kubelet owns a node's directory; the hard link still refuses an address taken behind
   * its back.
   */
  private index?: Map<string, string>;

  constructor(private readonly dir: string) {}

  /**
   * The address of `sandboxId`: the one it has, or a new one from `podCidr` — whose first host
   * address is the gateway's and is never handed out.
   */
  allocate(sandboxId: string, podCidr: string): Promise<string> {
    return this.serialize(async () => {
      const owned = (this.index ??= await this.owners());
      for (const [ip, owner] of owned) if (owner === sandboxId) return ip;
      const range = parseCidr(podCidr);
      // Usable: from the address after the gateway to the one before broadcast.
      const first = nthAddress(range, 2);
      const count = cidrSize(range) - 3;
      if (count <= 0) throw new IpRangeExhaustedError(podCidr);
      // Synchronous file calls from here: tiny files on the kubelet's disk, one allocation per pod
      // started, where each promise-based call costs the event loop more than the I/O.
      const last = parseIpv4(readOrEmpty(join(this.dir, LAST_RESERVED)).trim());
      const start = last !== undefined && last >= first && last < first + count ? last - first + 1 : 0;
      mkdirSync(this.dir, { recursive: true });
      const tmp = join(this.dir, `.${sandboxId}.${randomBytes(4).toString('hex')}.tmp`);
      writeFileSync(tmp, sandboxId);
      try {
        for (let i = 0; i < count; i++) {
          const ip = formatIpv4(first + ((start + i) % count));
          if (owned.has(ip)) continue;
          try {
            linkSync(tmp, join(this.dir, ip));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
              this.index = undefined;
              continue;
            }
            throw err;
          }
          this.index?.set(ip, sandboxId);
          writeLastReserved(join(this.dir, LAST_RESERVED), ip);
          return ip;
        }
      } finally {
        rmSync(tmp, { force: true });
      }
      throw new IpRangeExhaustedError(podCidr);
    });
  }

  /** The address `sandboxId` holds, if any. */
  async addressOf(sandboxId: string): Promise<string | undefined> {
    for (const [ip, owner] of await this.owners()) if (owner === sandboxId) return ip;
    return undefined;
  }

  /** Frees every address `sandboxId` holds. Idempotent. */
  release(sandboxId: string): Promise<void> {
    return this.serialize(async () => {
      const owned = (this.index ??= await this.owners());
      for (const [ip, owner] of owned) {
        if (owner !== sandboxId) continue;
        await rm(join(this.dir, ip), { force: true });
        owned.delete(ip);
      }
    });
  }

  /** Allocated address → sandbox id. */
  async owners(): Promise<Map<string, string>> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const ips = names.filter((n) => parseIpv4(n) !== undefined);
    const owners = await Promise.all(ips.map((ip) => readFile(join(this.dir, ip), 'utf8').catch(() => undefined)));
    return new Map(ips.flatMap((ip, i) => (owners[i] === undefined ? [] : [[ip, owners[i]!.trim()] as [string, string]])));
  }

  private serialize<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** The longest IPv4 address in dotted decimal (255.255.255.255). */
const IPV4_TEXT_MAX = 15;

/**
 * Overwrites the file in place, padded with blanks to the longest address, so whatever was
 * there is covered and the file is never truncated: ext4 flushes a file truncated and rewritten
 * when it is closed (its auto_da_alloc guard), which made this write, once a pod, ten times
 * slower than creating a file, and much slower again while other writers sync the disk.
 */
function writeLastReserved(path: string, ip: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o644);
  try {
    writeSync(fd, ip.padEnd(IPV4_TEXT_MAX), 0);
  } finally {
    closeSync(fd);
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
