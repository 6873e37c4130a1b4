import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeNode, preflight, type NodeFacts } from './preflight.ts';

const fit: NodeFacts = {
  uid: 0,
  commands: new Set(['runc', 'crun', 'nft', 'ip', 'nsenter', 'unshare', 'mount', 'busybox']),
  filesystems: 'nodev\tsysfs\nnodev\ttmpfs\nnodev\toverlay\n\text4\n',
  cgroupsMounted: true,
};

function without(command: string): NodeFacts {
  return { ...fit, commands: new Set([...fit.commands].filter((c) => c !== command)) };
}

describe('judgeNode', () => {
  const cases: { name: string; facts: NodeFacts; runtime?: string; problems: string[] }[] = [
    { name: 'a fit node', facts: fit, problems: [] },
    { name: 'not root', facts: { ...fit, uid: 1000 }, problems: ['the kubelet must run as root (it mounts filesystems and creates namespaces and cgroups)'] },
    { name: 'no runc when runc is asked for', facts: without('runc'), runtime: 'runc', problems: ['runc not found: apt-get install runc'] },
    { name: 'no crun, the default runtime', facts: without('crun'), problems: ['crun not found: apt-get install crun'] },
    { name: 'no crun when crun is asked for', facts: without('crun'), runtime: 'crun', problems: ['crun not found: apt-get install crun'] },
    { name: 'crun missing does not matter with runc', facts: without('crun'), runtime: 'runc', problems: [] },
    { name: 'runc missing does not matter with crun', facts: without('runc'), problems: [] },
    { name: 'runc is the default on a cgroup v2-only node', facts: { ...without('crun'), cgroupV2Only: true }, problems: [] },
    { name: 'no runc on a cgroup v2-only node', facts: { ...without('runc'), cgroupV2Only: true }, problems: ['runc not found: apt-get install runc'] },
    {
      name: 'crun asked for on a cgroup v2-only node',
      facts: { ...fit, cgroupV2Only: true },
      runtime: 'crun',
      problems: ['crun is supported on cgroup v1 and hybrid nodes only (here the kubelet makes its cgroups); on this cgroup v2 node use --runtime runc'],
    },
    { name: 'no nft', facts: without('nft'), problems: ['nft not found: apt-get install nftables'] },
    { name: 'no ip', facts: without('ip'), problems: ['ip not found: apt-get install iproute2'] },
    { name: 'no nsenter', facts: without('nsenter'), problems: ['nsenter not found: apt-get install util-linux'] },
    { name: 'no busybox', facts: without('busybox'), problems: ['busybox not found: apt-get install busybox-static'] },
    { name: 'no overlayfs', facts: { ...fit, filesystems: 'nodev\tsysfs\n' }, problems: ['overlayfs not available in this kernel: modprobe overlay'] },
    { name: 'no cgroups', facts: { ...fit, cgroupsMounted: false }, problems: ['cgroups are not mounted under /sys/fs/cgroup: mount them (cgroup v1 controllers or cgroup2)'] },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(judgeNode(c.facts, { runtime: c.runtime }), c.problems));
});

test('this machine, as root with the Debian packages installed, passes', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  assert.deepEqual(await preflight(), []);
});
