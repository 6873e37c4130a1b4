/**
 * A pod's network interface: a veth pair whose host end (`sk` + 11 hex characters from the
 * sandbox id, so a re-run finds it) hangs on the bridge in hairpin mode — a pod reaching itself
 * through a hostPort or Service comes back through its own port — and whose other end is eth0
 * in the sandbox's network namespace, with the pod's address, loopback up and a default route
 * via the gateway. Idempotent: each step checks or replaces.
 */
import { createHash } from 'node:crypto';
import { linkExists } from './bridge.ts';
import { NetworkCommandError, type RunCommand } from './commands.ts';
import type { IpBatcher } from './ip-batcher.ts';

/** The host end's name for a sandbox (15 characters is the kernel's limit). */
export function hostVethName(sandboxId: string): string {
  return `sk${createHash('sha256').update(sandboxId).digest('hex').slice(0, 11)}`;
}

/**
 * Configures eth0 inside the pod's network namespace; run by busybox's shell (ip is built in),
 * one process for all of it. Constant text; the data are positional arguments.
 */
const POD_SIDE_SCRIPT = [
  'ip addr replace "$1" dev eth0 || exit 1',
  'ip link set eth0 up || exit 1',
  'ip link set lo up || exit 1',
  'ip route replace default via "$2" dev eth0 || exit 1',
].join('; ');

/** What one pod's interface is made of. */
export interface PodInterface {
  sandboxId: string;
  /** The sandbox's network namespace file. */
  netnsPath: string;
  ip: string;
  prefix: number;
  gateway: string;
  bridge: string;
  mtu: number;
}

/**
 * Creates (or completes) the pod's veth pair and configures both ends; with `podSideConfigured`
 * (the sandbox's creator has just made the pair and configured eth0: sandbox.ts), the node's end
 * only, in `hostSide`'s next batch with other pods' when given.
 */
export async function attachPodInterface(run: RunCommand, pod: PodInterface, options: { podSideConfigured?: boolean; hostSide?: IpBatcher } = {}): Promise<void> {
  const host = hostVethName(pod.sandboxId);
  try {
    if (options.podSideConfigured) {
      const batch = hostSideBatch(pod, host, true);
      await (options.hostSide ? options.hostSide.submit(batch) : run(['ip', '-batch', '-'], { input: batch }));
    } else {
      await configure(run, pod, host);
    }
  } catch (err) {
    // A host end whose pod end is gone (a set-up cut short): start that pair again, once.
    if (!(err instanceof NetworkCommandError) || err.missingPackage || !/eth0/.test(err.stderr)) throw err;
    await detachPodInterface(run, pod.sandboxId);
    await configure(run, pod, host);
  }
}

/**
 * Both ends, when the namespace's creator did not make the pair (a set-up run again, e.g. after a
 * restart): the host side in one `ip -batch` (pair created on the bridge and up, hairpin on), the
 * pod side in one busybox shell in the pod's namespace.
 */
async function configure(run: RunCommand, pod: PodInterface, host: string): Promise<void> {
  await run(['ip', '-batch', '-'], { input: hostSideBatch(pod, host, await linkExists(host)) });
  await run(['nsenter', `--net=${pod.netnsPath}`, '/bin/busybox', 'sh', '-c', POD_SIDE_SCRIPT, 'skiff-pod-network', `${pod.ip}/${pod.prefix}`, pod.gateway]);
}

/**
 * The host side as `ip -batch` lines (ip stops at the first that fails). Batch lines are split
 * on blanks, so every value in them is checked to have none: names, a number and a path.
 */
export function hostSideBatch(pod: Pick<PodInterface, 'netnsPath' | 'bridge' | 'mtu'>, host: string, exists: boolean): string {
  for (const word of [host, pod.bridge, pod.netnsPath, String(pod.mtu)]) {
    if (!word || /\s/.test(word)) throw new NetworkCommandError(['ip', '-batch', '-'], `cannot pass ${JSON.stringify(word)} to ip -batch: it is empty or has blanks`);
  }
  const mtu = String(pod.mtu);
  return [
    exists
      ? `link set dev ${host} master ${pod.bridge} up`
      : `link add ${host} mtu ${mtu} master ${pod.bridge} up type veth peer name eth0 mtu ${mtu} netns ${pod.netnsPath}`,
    // Through netlink, not /sys/class/net: that shows the namespace /sys was mounted in.
    `link set dev ${host} type bridge_slave hairpin on`,
    '',
  ].join('\n');
}

/** Deletes the pod's veth pair (both ends go together). Idempotent. */
export async function detachPodInterface(run: RunCommand, sandboxId: string): Promise<void> {
  const host = hostVethName(sandboxId);
  if (!(await linkExists(host))) return;
  try {
    await run(['ip', 'link', 'del', host]);
  } catch (err) {
    if (await linkExists(host)) throw err;
  }
}
