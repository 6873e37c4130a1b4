/**
 * What the kubelet reads about its machine for the Node object: CPUs and memory, the disk
 * under its root directory, identity (machine-id, boot id, product uuid), kernel and OS names,
 * and the address it reports. Reading is the only job here; node-status.ts turns the facts into
 * a Node, purely.
 */
import { readFile, statfs } from 'node:fs/promises';
import { arch, cpus, hostname, networkInterfaces, release } from 'node:os';

export interface HostFacts {
  hostname: string;
  /** The InternalIP: the nodeIP option, else the first non-loopback IPv4 address. */
  nodeIP: string;
  cpus: number;
  memoryBytes: number;
  memoryAvailableBytes: number;
  /** The filesystem holding the kubelet's root directory. */
  storageBytes: number;
  storageAvailableBytes: number;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  /** Kubernetes's names: amd64, arm64, ... */
  architecture: string;
}

/** Node's process.arch names → GOARCH names, which node labels and nodeInfo use. */
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** Reads the facts; `nodeIP` overrides the address found on the interfaces. */
export async function readHostFacts(rootDir: string, options: { nodeIP?: string } = {}): Promise<HostFacts> {
  const [meminfo, fs, machineID, bootID, productUuid, osRelease] = await Promise.all([
    readFile('/proc/meminfo', 'utf8'),
    statfs(rootDir),
    readTrimmed('/etc/machine-id'),
    readTrimmed('/proc/sys/kernel/random/boot_id'),
    readTrimmed('/sys/class/dmi/id/product_uuid'),
    readTrimmed('/etc/os-release'),
  ]);
  const mem = parseMeminfo(meminfo);
  return {
    hostname: hostname().toLowerCase(),
    nodeIP: options.nodeIP ?? detectedIPv4() ?? '127.0.0.1',
    cpus: cpus().length,
    memoryBytes: mem.MemTotal ?? 0,
    memoryAvailableBytes: mem.MemAvailable ?? mem.MemFree ?? 0,
    storageBytes: fs.blocks * fs.bsize,
    storageAvailableBytes: fs.bavail * fs.bsize,
    machineID,
    systemUUID: productUuid || machineID,
    bootID,
    kernelVersion: release(),
    osImage: prettyName(osRelease),
    architecture: GOARCH[arch()] ?? arch(),
  };
}

/** /proc/meminfo fields in bytes ("MemTotal: 24683620 kB"). */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)(?: kB)?$/.exec(line.trim());
    if (m) out[m[1]] = Number(m[2]) * (line.includes('kB') ? 1024 : 1);
  }
  return out;
}

/** PRETTY_NAME of /etc/os-release, unquoted; "Linux" when there is none. */
export function prettyName(osRelease: string): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(osRelease);
  return m ? m[1].trim().replace(/^(["'])(.*)\1$/, '$2') : 'Linux';
}

/** How long a detected address is reused before the interfaces are read again. */
const DETECTED_IP_TTL_MS = 5 * 60_000;
let detected: { ip: string | undefined; at: number } | undefined;

/**
 * The first non-loopback IPv4 address, read at most every 5 minutes: listing the interfaces
 * walks every one of them, and a node running a hundred pods has a hundred veths on its side;
 * read on every 10 s status tick it cost more than the rest of the status.
 */
function detectedIPv4(): string | undefined {
  const now = Date.now();
  if (!detected || now - detected.at > DETECTED_IP_TTL_MS) detected = { ip: firstIPv4(), at: now };
  return detected.ip;
}

function firstIPv4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

async function readTrimmed(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return '';
  }
}
