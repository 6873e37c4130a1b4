/**
 * The kubelet's own v1 cgroups, made for real under /sys/fs/cgroup/cpuset: root and a v1 cpuset
 * hierarchy only (skipped otherwise, with the reason).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { prepareContainerCgroups, type CgroupLayout } from './container-cgroups.ts';

const CPUSET = '/sys/fs/cgroup/cpuset';
const skip = process.getuid?.() !== 0 ? 'needs root' : !existsSync(join(CPUSET, 'cpuset.cpus')) ? 'no v1 cpuset hierarchy' : undefined;

describe('prepareContainerCgroups, cpuset', { skip }, () => {
  const top = `skiff-test-${process.pid}`;
  const layout: CgroupLayout = { v1: [CPUSET] };
  const resources = { devices: [] };
  const read = (path: string, file: string) => readFileSync(join(CPUSET, path, file), 'utf8').trim();
  after(() => {
    for (const path of [`${top}/pod-b/c2`, `${top}/pod-b`, `${top}/pod-a/c1`, `${top}/pod-a`, top]) {
      try {
        rmdirSync(join(CPUSET, path));
      } catch {
        // not made
      }
    }
  });

  test('every level gets the CPUs and memory nodes of the node, so the container can join it', async () => {
    await prepareContainerCgroups(layout, `/${top}/pod-a/c1`, resources);
    for (const path of [top, `${top}/pod-a`, `${top}/pod-a/c1`]) {
      assert.equal(read(path, 'cpuset.cpus'), read('', 'cpuset.cpus'), path);
      assert.equal(read(path, 'cpuset.mems'), read('', 'cpuset.mems'), path);
    }
  });

  test('levels it fills clone their configuration to the cgroups made below them', async () => {
    assert.equal(read(top, 'cgroup.clone_children'), '1');
    await prepareContainerCgroups(layout, `/${top}/pod-b/c2`, resources);
    assert.equal(read(`${top}/pod-b/c2`, 'cpuset.cpus'), read('', 'cpuset.cpus'));
    assert.equal(read(`${top}/pod-b/c2`, 'cpuset.mems'), read('', 'cpuset.mems'));
  });
});
