import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildOciSpec, MASKED_PATHS, READONLY_PATHS, type OciSpec, type OciSpecOptions } from './oci-spec.ts';
import type { ContainerConfig, Sandbox } from './runtime.ts';
import { busyboxConfig } from './runtime.test-support.ts';

const sandbox: Sandbox = {
  id: 'pod-uid-1',
  pod: { uid: 'uid-1', namespace: 'default', name: 'web' },
  netnsPath: '/run/skiff/netns/pod-uid-1',
  ipcnsPath: '/run/skiff/ipcns/pod-uid-1',
  utsnsPath: '/run/skiff/utsns/pod-uid-1',
  createdAt: new Date('2026-11-26T12:00:00Z'),
};

const options: OciSpecOptions = {
  containerId: 'c1',
  rootfsPath: '/agent/containers/c1/rootfs',
  pidNamespace: { mode: 'container' },
  cgroupsPath: '/skiff/uid-1/c1',
  createdAt: new Date('2026-11-26T12:00:01Z'),
};

function spec(config: Partial<ContainerConfig> = {}, opts: Partial<OciSpecOptions> = {}, sb: Sandbox = sandbox): OciSpec {
  return buildOciSpec(sb, busyboxConfig('/layers/a', { name: 'app', args: ['sh', '-c', 'echo hi'], ...config }), { ...options, ...opts });
}

describe('buildOciSpec', () => {
  const cases: { name: string; check: () => void }[] = [
    {
      name: 'hostname: the pod\'s, set by the runtime in the pod\'s UTS namespace; none given, none set',
      check: () => {
        assert.equal(spec({}, { hostname: 'web-1' }).hostname, 'web-1');
        assert.equal(spec().hostname, undefined);
      },
    },
    {
      name: 'process: argv, env, cwd, user, no terminal',
      check: () => {
        const s = spec({ workingDir: '/srv', user: { uid: 1000, gid: 2000, additionalGids: [3000] }, env: ['PATH=/bin', 'A=b'] });
        assert.deepEqual(s.process.args, ['sh', '-c', 'echo hi']);
        assert.deepEqual(s.process.env, ['PATH=/bin', 'A=b']);
        assert.equal(s.process.cwd, '/srv');
        assert.deepEqual(s.process.user, { uid: 1000, gid: 2000, additionalGids: [3000] });
        assert.equal(s.process.terminal, false);
      },
    },
    {
      name: 'capabilities go to bounding, effective and permitted',
      check: () => {
        const s = spec({ capabilities: ['CAP_NET_ADMIN', 'CAP_KILL'] });
        for (const set of [s.process.capabilities.bounding, s.process.capabilities.effective, s.process.capabilities.permitted]) {
          assert.deepEqual(set, ['CAP_NET_ADMIN', 'CAP_KILL']);
        }
      },
    },
    {
      name: 'capabilities the node does not have are left out',
      check: () => {
        const s = spec({ capabilities: ['CAP_SYS_ADMIN', 'CAP_SYS_RESOURCE'] }, { nodeCapabilities: new Set(['CAP_SYS_ADMIN', 'CAP_KILL']) });
        assert.deepEqual(s.process.capabilities.bounding, ['CAP_SYS_ADMIN']);
      },
    },
    {
      name: 'noNewPrivileges and a read-only root',
      check: () => {
        const s = spec({ noNewPrivileges: true, readOnlyRootFilesystem: true });
        assert.equal(s.process.noNewPrivileges, true);
        assert.deepEqual(s.root, { path: '/agent/containers/c1/rootfs', readonly: true });
      },
    },
    {
      name: 'system mounts then volumes as private recursive binds',
      check: () => {
        const s = spec({
          mounts: [
            { containerPath: '/data', hostPath: '/agent/pods/uid-1/volumes/data', readOnly: false },
            { containerPath: '/etc/hosts', hostPath: '/agent/pods/uid-1/etc-hosts', readOnly: true },
          ],
        });
        assert.deepEqual(s.mounts.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/data', '/etc/hosts']);
        assert.deepEqual(s.mounts.at(-2), { destination: '/data', type: 'bind', source: '/agent/pods/uid-1/volumes/data', options: ['rbind', 'rprivate', 'rw'] });
        assert.deepEqual(s.mounts.at(-1)?.options, ['rbind', 'rprivate', 'ro']);
        assert.ok(s.mounts.find((m) => m.destination === '/sys')?.options?.includes('ro'));
        assert.equal(s.mounts.find((m) => m.destination === '/dev')?.type, 'tmpfs');
      },
    },
    {
      name: 'the pod\'s shared /dev/shm is bound in when the sandbox has one',
      check: () => {
        const s = spec({}, { shmPath: '/run/skiff/shm/pod-uid-1' });
        assert.deepEqual(s.mounts.find((m) => m.destination === '/dev/shm'), {
          destination: '/dev/shm', type: 'bind', source: '/run/skiff/shm/pod-uid-1', options: ['rbind', 'rprivate', 'nosuid', 'noexec', 'nodev'],
        });
      },
    },
    {
      name: 'namespaces: new pid and mount, the sandbox\'s net/ipc/uts by path',
      check: () => {
        assert.deepEqual(spec().linux.namespaces, [
          { type: 'pid' },
          { type: 'network', path: '/run/skiff/netns/pod-uid-1' },
          { type: 'ipc', path: '/run/skiff/ipcns/pod-uid-1' },
          { type: 'uts', path: '/run/skiff/utsns/pod-uid-1' },
          { type: 'mount' },
        ]);
      },
    },
    {
      name: 'namespaces: host network/IPC/UTS and host PID join nothing',
      check: () => {
        const host: Sandbox = { ...sandbox, netnsPath: undefined, ipcnsPath: undefined, utsnsPath: undefined };
        assert.deepEqual(spec({}, { pidNamespace: { mode: 'host' } }, host).linux.namespaces, [{ type: 'mount' }]);
      },
    },
    {
      name: 'namespaces: a shared pod PID namespace is joined by path',
      check: () => {
        const s = spec({}, { pidNamespace: { mode: 'pod', path: '/run/skiff/pidns/pod-uid-1' } });
        assert.deepEqual(s.linux.namespaces[0], { type: 'pid', path: '/run/skiff/pidns/pod-uid-1' });
      },
    },
    {
      name: 'resources: cpu shares, quota and period, memory limit with swap capped',
      check: () => {
        const s = spec({ resources: { cpuShares: 512, cpuQuotaMicros: 50_000, cpuPeriodMicros: 100_000, memoryLimitBytes: 33554432 } });
        assert.deepEqual(s.linux.resources.cpu, { shares: 512, quota: 50_000, period: 100_000 });
        assert.deepEqual(s.linux.resources.memory, { limit: 33554432, swap: 33554432 });
        assert.equal(s.linux.cgroupsPath, '/skiff/uid-1/c1');
      },
    },
    {
      name: 'resources: none asked, none set; no cgroups path when the runtime applies none',
      check: () => {
        const s = spec({}, { cgroupsPath: undefined });
        assert.equal(s.linux.resources.cpu, undefined);
        assert.equal(s.linux.resources.memory, undefined);
        assert.equal(s.linux.cgroupsPath, undefined);
      },
    },
    {
      name: 'devices: deny by default, allow the usual ones',
      check: () => {
        const devices = spec().linux.resources.devices;
        assert.deepEqual(devices[0], { allow: false, access: 'rwm' });
        assert.ok(devices.some((d) => d.allow && d.type === 'c' && d.major === 1 && d.minor === 3)); // /dev/null
        assert.ok(devices.some((d) => d.allow && d.type === 'c' && d.major === 136 && d.minor === undefined)); // /dev/pts/*
      },
    },
    {
      name: 'masked and read-only kernel paths by default',
      check: () => {
        const s = spec();
        assert.deepEqual(s.linux.maskedPaths, MASKED_PATHS);
        assert.deepEqual(s.linux.readonlyPaths, READONLY_PATHS);
      },
    },
    {
      name: 'privileged: no masked paths, writable /sys, every device, the host\'s /dev',
      check: () => {
        const s = spec({ privileged: true });
        assert.equal(s.linux.maskedPaths, undefined);
        assert.equal(s.linux.readonlyPaths, undefined);
        assert.deepEqual(s.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
        assert.ok(!s.mounts.find((m) => m.destination === '/sys')?.options?.includes('ro'));
        assert.deepEqual(s.mounts.find((m) => m.destination === '/dev'), { destination: '/dev', type: 'bind', source: '/dev', options: ['rbind', 'rslave', 'nosuid'] });
      },
    },
    {
      name: 'annotations: the pod\'s own plus what a restarted kubelet adopts the container by',
      check: () => {
        const s = spec({ attempt: 2, logPath: '/logs/0.log', annotations: { 'io.kubernetes.container.hash': 'abc' } });
        assert.equal(s.annotations['io.kubernetes.container.hash'], 'abc');
        assert.equal(s.annotations['io.skiff.pod.uid'], 'uid-1');
        assert.equal(s.annotations['io.skiff.pod.namespace'], 'default');
        assert.equal(s.annotations['io.skiff.pod.name'], 'web');
        assert.equal(s.annotations['io.skiff.sandbox.id'], 'pod-uid-1');
        assert.equal(s.annotations['io.skiff.container.name'], 'app');
        assert.equal(s.annotations['io.skiff.container.attempt'], '2');
        assert.equal(s.annotations['io.skiff.image'], 'busybox:test');
        assert.equal(s.annotations['io.skiff.log.path'], '/logs/0.log');
        assert.equal(s.annotations['io.skiff.container.created'], '2026-11-26T12:00:01.000Z');
      },
    },
  ];
  for (const c of cases) test(c.name, c.check);
});
