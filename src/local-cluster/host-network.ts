/**
 * The network of a local cluster, made with `ip`: one bridge in the machine's own namespace
 * holding the subnet's first address (where the control plane listens), and per host a network
 * namespace joined to the bridge by a veth (`eth0` inside, with the host's address and a default
 * route through the bridge). Cutting a host off is taking its veth down: its packets go nowhere,
 * as when a machine's cable is pulled.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { bridgeName, clusterIdOf, hostNamespace, hostVeth } from './names.ts';

const exec = promisify(execFile);

/** A /24 for the hosts: `.1` is the bridge (the control plane), hosts get `.2` upward. */
export interface HostSubnet {
  /** e.g. 10.200.7 */
  prefix: string;
}

/** `ip ARGS`; an error carries ip's own message. */
export async function ip(args: string[]): Promise<string> {
  try {
    return (await exec('ip', args)).stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')}: ${stderr || (err as Error).message}`, { cause: err });
  }
}

/** The bridge's address in `subnet`. */
export function gatewayOf(subnet: HostSubnet): string {
  return `${subnet.prefix}.1`;
}

/** Host number `n`'s address (n from 1). */
export function hostAddress(subnet: HostSubnet, n: number): string {
  return `${subnet.prefix}.${n + 1}`;
}

/** A free /24 in 10.200.0.0/16: one no address of this machine falls in. */
export async function pickSubnet(): Promise<HostSubnet> {
  const used = new Set(
    [...(await ip(['-4', '-o', 'addr', 'show'])).matchAll(/inet (\d+\.\d+\.\d+)\.\d+\//g)].map((m) => m[1]),
  );
  const start = Math.floor(Math.random() * 250);
  for (let i = 0; i < 250; i++) {
    const prefix = `10.200.${(start + i) % 250}`;
    if (!used.has(prefix)) return { prefix };
  }
  throw new Error('no free /24 in 10.200.0.0/16 for the cluster hosts');
}

/** Creates cluster `id`'s bridge with the gateway address, up. */
export async function createBridge(id: string, subnet: HostSubnet): Promise<void> {
  const bridge = bridgeName(id);
  await ip(['link', 'add', bridge, 'type', 'bridge']);
  await ip(['addr', 'add', `${gatewayOf(subnet)}/24`, 'dev', bridge]);
  await ip(['link', 'set', bridge, 'up']);
}

/** Creates host `host` (number `n`): its namespace, its veth on the bridge, address and route. */
export async function createHostNetwork(id: string, host: string, n: number, subnet: HostSubnet): Promise<void> {
  const ns = hostNamespace(id, host);
  const veth = hostVeth(id, n);
  await ip(['netns', 'add', ns]);
  await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await ip(['link', 'set', veth, 'master', bridgeName(id)]);
  await ip(['link', 'set', veth, 'up']);
  await ip(['-n', ns, 'addr', 'add', `${hostAddress(subnet, n)}/24`, 'dev', 'eth0']);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  await ip(['-n', ns, 'route', 'add', 'default', 'via', gatewayOf(subnet)]);
}

/** Connects (`up`) or cuts off (`down`) host number `n`. */
export async function setHostLink(id: string, n: number, state: 'up' | 'down'): Promise<void> {
  await ip(['link', 'set', hostVeth(id, n), state]);
}

/** The path of host `host`'s namespace file, for `nsenter --net=`. */
export function namespacePath(id: string, host: string): string {
  return `/run/netns/${hostNamespace(id, host)}`;
}

/** Removes every namespace and link of cluster `id` (the veths go with their namespaces). Idempotent. */
export async function removeClusterNetwork(id: string): Promise<void> {
  const { namespaces, links } = await leftovers();
  for (const ns of namespaces.filter((n) => clusterIdOf(n) === id)) await ip(['netns', 'delete', ns]).catch(() => undefined);
  for (const link of links.filter((l) => clusterIdOf(l) === id)) await ip(['link', 'delete', link]).catch(() => undefined);
}

/** The ids of every local cluster that has a namespace or a link on this machine. */
export async function clusterIdsOnMachine(): Promise<Set<string>> {
  const { namespaces, links } = await leftovers();
  return new Set([...namespaces, ...links].map(clusterIdOf).filter((id): id is string => id !== undefined));
}

async function leftovers(): Promise<{ namespaces: string[]; links: string[] }> {
  const namespaces = (await ip(['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]).filter((n) => clusterIdOf(n));
  const links = (await ip(['-o', 'link', 'show']))
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && clusterIdOf(n) !== undefined);
  return { namespaces, links };
}
