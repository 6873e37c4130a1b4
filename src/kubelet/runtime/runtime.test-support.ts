/**
 * Helpers for tests that run real containers: a busybox root filesystem directory (the single
 * layer of a test image), a ContainerConfig with the defaults a pod would give, and the reason a
 * test must be skipped on machines that cannot run containers.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerConfig } from './runtime.ts';

/** Why container tests cannot run here with `runtime` (default runc), or undefined when they can. */
export function containerTestsSkipReason(runtime: 'runc' | 'crun' = 'runc'): string | undefined {
  if (process.getuid?.() !== 0) return `needs root (${runtime}, mounts, namespaces)`;
  try {
    execFileSync(runtime, ['--version'], { stdio: 'ignore' });
  } catch {
    return `${runtime} is not installed`;
  }
  return undefined;
}

/** Makes `dir` a busybox root filesystem: /bin/busybox and a symlink per applet, /etc/passwd. */
export async function makeBusyboxRootfs(dir: string): Promise<string> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  for (const d of ['proc', 'dev', 'sys', 'tmp', 'etc']) await mkdir(join(dir, d), { recursive: true });
  await copyFile('/bin/busybox', join(bin, 'busybox'));
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  await Promise.all(applets.map((a) => symlink('busybox', join(bin, a))));
  await writeFile(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  return dir;
}

/** A container config as the kubelet would build it for a plain busybox container. */
export function busyboxConfig(layer: string, overrides: Partial<ContainerConfig> & { name: string; args: string[] }): ContainerConfig {
  return {
    attempt: 0,
    image: 'busybox:test',
    imageId: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
    rootfsLayers: [layer],
    env: ['PATH=/bin'],
    workingDir: '/',
    user: { uid: 0, gid: 0, additionalGids: [] },
    mounts: [],
    resources: {},
    privileged: false,
    readOnlyRootFilesystem: false,
    capabilities: ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_SETGID', 'CAP_SETUID', 'CAP_NET_BIND_SERVICE', 'CAP_KILL', 'CAP_NET_RAW'],
    noNewPrivileges: false,
    tty: false,
    stdin: false,
    stdinOnce: false,
    logPath: '/dev/null',
    annotations: {},
    ...overrides,
  };
}

/**
 * Removes a test's directory after unmounting whatever is still mounted below it (a failed test
 * can leave an overlay or a namespace file): `rm -r` through a live overlay would empty it.
 */
export async function removeTestDir(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(`${dir}/`));
  for (const m of mounts.reverse()) execFileSync('umount', ['-l', m]);
  await rm(dir, { recursive: true, force: true });
}

/**
 * Polls `condition` until it holds; fails with `what` after `timeoutMs`. (The client's waiter
 * lives beside the control plane's test cluster; importing it would load the whole control plane.)
 */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
