/**
 * Which controllers of a hybrid layout's cgroup2 mount get a v1 hierarchy, over a directory laid
 * out as /sys/fs/cgroup is, with the mount command recorded: moving a real controller is for
 * good until a reboot (see unified-controllers.ts), so the kubelet's own start does it for real.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { moveIdleControllersToV1 } from './unified-controllers.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function cgroupRoot(controllers: string, subtreeControl: string): string {
  const root = mkdtempSync(join(tmpdir(), 'skiff-unified-'));
  roots.push(root);
  mkdirSync(join(root, 'unified'));
  writeFileSync(join(root, 'unified', 'cgroup.controllers'), `${controllers}\n`);
  writeFileSync(join(root, 'unified', 'cgroup.subtree_control'), `${subtreeControl}\n`);
  return root;
}

test('an idle controller gets a v1 hierarchy of its own at root/<name>', async () => {
  const root = cgroupRoot('hugetlb', '');
  const mounts: string[][] = [];
  const result = await moveIdleControllersToV1(root, async (args) => mounts.push(args));
  assert.deepEqual(mounts, [['-t', 'cgroup', '-o', 'hugetlb', 'cgroup', join(root, 'hugetlb')]]);
  assert.ok(existsSync(join(root, 'hugetlb')), 'the mount point is made first');
  assert.deepEqual(result, { moved: ['hugetlb'], failed: [] });
});

test('a controller that cgroup2 groups use stays, and says why', async () => {
  const root = cgroupRoot('hugetlb misc', 'misc');
  const mounts: string[][] = [];
  const result = await moveIdleControllersToV1(root, async (args) => mounts.push(args));
  assert.deepEqual(mounts.map((m) => m[3]), ['hugetlb']);
  assert.deepEqual(result.moved, ['hugetlb']);
  assert.equal(result.failed.length, 1);
  assert.equal(result.failed[0].controller, 'misc');
  assert.match(result.failed[0].reason, /subtree_control/);
});

test('a mount that fails leaves the controller where it was, with the command\'s message', async () => {
  const root = cgroupRoot('hugetlb', '');
  const result = await moveIdleControllersToV1(root, async () => {
    throw Object.assign(new Error('Command failed: mount'), { stderr: 'mount: /sys/fs/cgroup/hugetlb: permission denied.\n' });
  });
  assert.deepEqual(result.moved, []);
  assert.deepEqual(result.failed, [{ controller: 'hugetlb', reason: 'mount: /sys/fs/cgroup/hugetlb: permission denied.' }]);
});

test('a node without a cgroup2 mount, or with none of its controllers free, mounts nothing', async () => {
  const bare = mkdtempSync(join(tmpdir(), 'skiff-unified-'));
  roots.push(bare);
  const mounts: string[][] = [];
  assert.deepEqual(await moveIdleControllersToV1(bare, async (args) => mounts.push(args)), { moved: [], failed: [] });
  assert.deepEqual(await moveIdleControllersToV1(cgroupRoot('', ''), async (args) => mounts.push(args)), { moved: [], failed: [] });
  assert.deepEqual(mounts, []);
});
