/**
 * What the kubelet needs from the machine before it starts, checked up front so a missing piece
 * stops start-up with one line naming the fix (as k3s does) instead of failing on the first pod.
 * Gathering the facts touches the system; judging them is pure.
 */
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { cgroupV2Only, defaultOciRuntime } from './runtime/oci-runtime.ts';

const run = promisify(execFile);

/** What the checks look at. */
export interface NodeFacts {
  uid: number;
  /** Commands that ran (`<cmd> --version` or the like succeeded). */
  commands: Set<string>;
  /** /proc/filesystems. */
  filesystems: string;
  /** A cgroup v1 memory controller or a cgroup v2 hierarchy is mounted. */
  cgroupsMounted: boolean;
  /** The unified hierarchy alone, no v1 controllers. */
  cgroupV2Only?: boolean;
}

/** Which runtime the kubelet will run. */
export interface PreflightOptions {
  /** The OCI runtime binary the kubelet will use: 'crun' or 'runc' (default: defaultOciRuntime()). */
  runtime?: string;
}

/** Each tool the kubelet runs, how to tell it is there, and the Debian package with it. */
const TOOLS: { command: string; args: string[]; pkg: string }[] = [
  { command: 'nft', args: ['--version'], pkg: 'nftables' },
  { command: 'ip', args: ['-V'], pkg: 'iproute2' },
  { command: 'nsenter', args: ['--version'], pkg: 'util-linux' },
  { command: 'unshare', args: ['--version'], pkg: 'util-linux' },
  { command: 'mount', args: ['--version'], pkg: 'mount' },
  { command: 'busybox', args: ['true'], pkg: 'busybox-static' },
];

/** Problems that stop the kubelet, one line each; empty when the node is fit. */
export async function preflight(options: PreflightOptions = {}): Promise<string[]> {
  return judgeNode(await gatherNodeFacts(options), options);
}

/** The problems `facts` show, each naming what to install. Pure. */
export function judgeNode(facts: NodeFacts, options: PreflightOptions = {}): string[] {
  const problems: string[] = [];
  if (facts.uid !== 0) problems.push('the kubelet must run as root (it mounts filesystems and creates namespaces and cgroups)');
  const runtime = basename(options.runtime ?? (facts.cgroupV2Only ? 'runc' : 'crun'));
  if (!facts.commands.has(runtime)) problems.push(`${runtime} not found: apt-get install ${runtime === 'crun' ? 'crun' : 'runc'}`);
  if (runtime === 'crun' && facts.cgroupV2Only) problems.push('crun is supported on cgroup v1 and hybrid nodes only (here the kubelet makes its cgroups); on this cgroup v2 node use --runtime runc');
  for (const tool of TOOLS) {
    if (!facts.commands.has(tool.command)) problems.push(`${tool.command} not found: apt-get install ${tool.pkg}`);
  }
  if (!/\boverlay\b/.test(facts.filesystems)) problems.push('overlayfs not available in this kernel: modprobe overlay');
  if (!facts.cgroupsMounted) problems.push('cgroups are not mounted under /sys/fs/cgroup: mount them (cgroup v1 controllers or cgroup2)');
  return problems;
}

/** Looks at this machine. */
export async function gatherNodeFacts(options: PreflightOptions = {}): Promise<NodeFacts> {
  const runtime = options.runtime ?? defaultOciRuntime();
  const checks = [{ command: runtime, name: basename(runtime), args: ['--version'] }, ...TOOLS.map((t) => ({ ...t, name: t.command }))];
  const results = await Promise.all(checks.map(({ command, args }) => run(command, args).then(() => true, () => false)));
  const commands = new Set(checks.filter((_, i) => results[i]).map((c) => c.name));
  const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  const cgroupsMounted = (await exists('/sys/fs/cgroup/memory/memory.limit_in_bytes')) || (await exists('/sys/fs/cgroup/cgroup.controllers'));
  return { uid: process.getuid?.() ?? -1, commands, filesystems, cgroupsMounted, cgroupV2Only: cgroupV2Only() };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
