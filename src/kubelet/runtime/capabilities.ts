/**
 * The capabilities this node can hand out. A container can only get capabilities the runtime
 * itself holds (runc fails with "unable to apply caps: operation not permitted" otherwise), and a
 * node inside another sandbox may lack some (CAP_SYS_RESOURCE, say). So, as containerd does for
 * privileged containers, the runtime gives a container the capabilities it asks for that the
 * node's bounding set has.
 */
import { readFile } from 'node:fs/promises';

/** Every capability name, by number (linux/capability.h). */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** The names of the capabilities in a /proc/PID/status `CapBnd:` hex mask. */
export function capabilitiesInMask(hexMask: string): Set<string> {
  const mask = BigInt(`0x${hexMask}`);
  return new Set(CAPABILITY_NAMES.filter((_, bit) => (mask >> BigInt(bit)) & 1n));
}

/** This process's bounding set: what any container started from it can have at most. */
export async function nodeCapabilities(): Promise<Set<string>> {
  const status = await readFile('/proc/self/status', 'utf8');
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return hex ? capabilitiesInMask(hex) : new Set(CAPABILITY_NAMES);
}
