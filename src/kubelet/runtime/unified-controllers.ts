/**
 * A hybrid cgroup layout (v1 hierarchies beside a cgroup2 mount) where some controller is bound
 * to no v1 hierarchy sits on the cgroup2 mount instead, and crun then refuses to run ("cgroups
 * in hybrid mode not supported, drop all controllers from cgroupv2"). systemd's own hybrid
 * layout mounts every controller as v1, so this is a partial layout (e.g. hugetlb left out).
 * The runtime's way around it, a mount namespace per container monitor with the cgroup2 mount
 * unmounted in it (monitor.ts), costs an unshare and an umount for every container: ~14 ms of
 * CPU a pod on the 2-core test machine (bench/pod-startup, 6% of all a pod's start-up costs).
 *
 * So, once, before the first container: each controller on the cgroup2 mount that no cgroup2
 * group has enabled (the root's cgroup.subtree_control; the kernel also refuses one in use) gets
 * a v1 hierarchy of its own at /sys/fs/cgroup/<name>, completing the layout as systemd would
 * have it. The kernel gives such a controller back to cgroup2 only when its v1 hierarchy has no
 * cgroups left (unmounting is not enough), so it is moved for good until a reboot, and a node
 * that cannot move it (a read-only /sys/fs/cgroup, a controller in use) keeps the mount
 * namespaces.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Runs `mount` with these arguments; rejects when it fails. */
export type MountCommand = (args: string[]) => Promise<unknown>;

/** What moveIdleControllersToV1 did: controllers moved, and those it could not move with why. */
export interface ControllerMoves {
  moved: string[];
  failed: { controller: string; reason: string }[];
}

/**
 * Gives each idle controller of the cgroup2 mount at `root/unified` a v1 hierarchy of its own
 * (see the file's comment). Does nothing on a node without that mount or without such controllers.
 */
export async function moveIdleControllersToV1(root: string, mount: MountCommand): Promise<ControllerMoves> {
  const unified = join(root, 'unified');
  const words = async (file: string) => (await readFile(join(unified, file), 'utf8').catch(() => '')).split(/\s+/).filter(Boolean);
  const enabled = new Set(await words('cgroup.subtree_control'));
  const result: ControllerMoves = { moved: [], failed: [] };
  for (const controller of await words('cgroup.controllers')) {
    // Names come from the kernel; anything else is not passed on to mount's option list.
    if (!/^[a-z_]+$/.test(controller)) continue;
    if (enabled.has(controller)) {
      result.failed.push({ controller, reason: 'enabled for cgroup2 groups (cgroup.subtree_control)' });
      continue;
    }
    const dir = join(root, controller);
    try {
      await mkdir(dir, { recursive: true });
      await mount(['-t', 'cgroup', '-o', controller, 'cgroup', dir]);
      result.moved.push(controller);
    } catch (err) {
      const e = err as { stderr?: string; message?: string };
      result.failed.push({ controller, reason: (e.stderr || e.message || String(err)).trim() });
    }
  }
  return result;
}
