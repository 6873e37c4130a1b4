/**
 * The node's side of the pod network: the bridge every pod's veth hangs on, holding the pod
 * CIDR's first address (the pods' gateway), and the kernel switches pods need — IPv4
 * forwarding, and route_localnet on the bridge so a hostPort answers on the node's loopback.
 * Every step checks or replaces, so running it again (after a crash half-way) finishes the job.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { RunCommand } from './commands.ts';
import { formatIpv4, nthAddress, type Ipv4Cidr } from './ipv4.ts';

/** Packets larger than this would be fragmented: the MTU of the node's uplink when it cannot be read. */
const FALLBACK_MTU = 1500;

/** The pods' gateway: the first host address of the node's pod CIDR. */
export function gatewayOf(podCidr: Ipv4Cidr): string {
  return formatIpv4(nthAddress(podCidr, 1));
}

/**
 * Whether the network interface `name` exists in the node's network namespace. Read from
 * /proc/net/dev, which follows the reader's namespace; /sys/class/net shows the namespace /sys
 * was mounted in, which is not this one for an agent started with `nsenter --net`.
 */
export async function linkExists(name: string): Promise<boolean> {
  // Synchronous: procfs answers in place, and a sandbox set-up asks this for every pod.
  let dev = '';
  try {
    dev = readFileSync('/proc/net/dev', 'utf8');
  } catch {
    // no procfs: no link
  }
  return dev.split('\n').some((line) => line.trimStart().startsWith(`${name}:`));
}

/**
 * Creates the bridge `name` if missing, gives it `gateway/prefix` and the MTU, brings it up, and
 * turns on forwarding and the bridge's route_localnet.
 */
export async function ensureBridge(run: RunCommand, options: { name: string; gateway: string; prefix: number; mtu: number }): Promise<void> {
  const { name } = options;
  if (!(await linkExists(name))) {
    try {
      await run(['ip', 'link', 'add', name, 'type', 'bridge']);
    } catch (err) {
      // Made meanwhile by a concurrent set-up: what matters is that it exists now.
      if (!(await linkExists(name))) throw err;
    }
  }
  await run(['ip', 'addr', 'replace', `${options.gateway}/${options.prefix}`, 'dev', name]);
  await run(['ip', 'link', 'set', 'dev', name, 'mtu', String(options.mtu), 'up']);
  await setSysctl('/proc/sys/net/ipv4/ip_forward', '1');
  await setSysctl(`/proc/sys/net/ipv4/conf/${name}/route_localnet`, '1');
}

/** Deletes the bridge (tests; a node keeps its bridge). Idempotent. */
export async function deleteBridge(run: RunCommand, name: string): Promise<void> {
  if (await linkExists(name)) await run(['ip', 'link', 'del', name]);
}

/** The MTU of the interface the node's default route leaves by; pods use it, as nothing encapsulates them. */
export async function uplinkMtu(): Promise<number> {
  const routes = await readFile('/proc/net/route', 'utf8').catch(() => '');
  // Columns: Iface Destination Gateway ...; the default route's destination is 00000000.
  const iface = routes.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).find((f) => f[1] === '00000000')?.[0];
  const link = iface ? await execFileText('ip', ['-o', 'link', 'show', 'dev', iface]).catch(() => '') : '';
  const mtu = Number(/ mtu (\d+)/.exec(link)?.[1] ?? NaN);
  return mtu > 0 ? mtu : FALLBACK_MTU;
}

const execFileText = async (file: string, args: string[]) => (await promisify(execFile)(file, args)).stdout;

async function setSysctl(path: string, value: string): Promise<void> {
  if ((await readFile(path, 'utf8').catch(() => '')).trim() === value) return;
  await writeFile(path, value);
}
