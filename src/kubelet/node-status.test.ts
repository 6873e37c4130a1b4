import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Image } from './images/image-service.ts';
import type { HostFacts } from './node-info.ts';
import { parseMeminfo, prettyName } from './node-info.ts';
import { buildNodeStatus, newNode, nodeStatusChanged, type NodeStatusInputs } from './node-status.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const GiB = 1024 ** 3;
const FACTS: HostFacts = {
  hostname: 'vm',
  nodeIP: '192.0.2.2',
  cpus: 2,
  memoryBytes: 8 * GiB,
  memoryAvailableBytes: 6 * GiB,
  storageBytes: 100 * GiB,
  storageAvailableBytes: 50 * GiB,
  machineID: 'm1',
  systemUUID: 'm1',
  bootID: 'b1',
  kernelVersion: '6.18.0',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  architecture: 'amd64',
};
const image = (name: string, size: number): Image => ({ id: `sha256:${name}`, repoTags: [`docker.io/library/${name}:latest`], repoDigests: [`docker.io/library/${name}@sha256:${name}`], size, config: {}, layers: [] });

function inputs(over: Partial<NodeStatusInputs> = {}): NodeStatusInputs {
  return { facts: FACTS, runtime: { name: 'runc', version: '1.1.5' }, images: [], kubeletPort: 10250, now: NOW, ...over };
}

describe('node registration', () => {
  test('labels, with control-plane roles on a server', () => {
    assert.deepEqual(newNode('n1', true, inputs()).metadata?.labels, {
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': 'n1',
      'kubernetes.io/os': 'linux',
      'node-role.kubernetes.io/control-plane': 'true',
      'node-role.kubernetes.io/master': 'true',
    });
    assert.equal(newNode('n1', false, inputs()).metadata?.labels?.['node-role.kubernetes.io/master'], undefined);
  });
});

describe('node status', () => {
  test('capacity, allocatable, addresses, nodeInfo, endpoint', () => {
    const s = buildNodeStatus(inputs({ systemReserved: { cpu: '500m', memory: '1Gi' }, kubeReserved: { memory: '512Mi' } }), undefined);
    assert.deepEqual(s.capacity, { cpu: '2', 'ephemeral-storage': '104857600Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '8388608Ki', pods: '110' });
    assert.equal(s.allocatable?.cpu, '1500m');
    assert.equal(s.allocatable?.memory, `${(8 * GiB - 1.5 * GiB) / 1024}Ki`);
    assert.deepEqual(s.addresses, [{ type: 'InternalIP', address: '192.0.2.2' }, { type: 'Hostname', address: 'vm' }]);
    assert.deepEqual(s.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
    assert.deepEqual(s.nodeInfo, {
      machineID: 'm1',
      systemUUID: 'm1',
      bootID: 'b1',
      kernelVersion: '6.18.0',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'runc://1.1.5',
      kubeletVersion: 'v1.32.0',
      kubeProxyVersion: 'v1.32.0',
      operatingSystem: 'linux',
      architecture: 'amd64',
    });
  });

  const conditionCases: [string, Partial<NodeStatusInputs>, string[]][] = [
    ['healthy', {}, ['MemoryPressure=False/KubeletHasSufficientMemory', 'DiskPressure=False/KubeletHasNoDiskPressure', 'PIDPressure=False/KubeletHasSufficientPID', 'Ready=True/KubeletReady']],
    ['low memory', { facts: { ...FACTS, memoryAvailableBytes: 50 * 1024 * 1024 } }, ['MemoryPressure=True/KubeletHasInsufficientMemory', 'DiskPressure=False/KubeletHasNoDiskPressure', 'PIDPressure=False/KubeletHasSufficientPID', 'Ready=True/KubeletReady']],
    ['disk nearly full', { facts: { ...FACTS, storageAvailableBytes: 5 * GiB } }, ['MemoryPressure=False/KubeletHasSufficientMemory', 'DiskPressure=True/KubeletHasDiskPressure', 'PIDPressure=False/KubeletHasSufficientPID', 'Ready=True/KubeletReady']],
    ['runtime down', { runtime: undefined }, ['MemoryPressure=False/KubeletHasSufficientMemory', 'DiskPressure=False/KubeletHasNoDiskPressure', 'PIDPressure=False/KubeletHasSufficientPID', 'Ready=False/KubeletNotReady']],
  ];
  for (const [name, over, want] of conditionCases) {
    test(`conditions: ${name}`, () => assert.deepEqual(buildNodeStatus(inputs(over), undefined).conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`), want));
  }

  test('ready message as upstream', () => {
    assert.equal(buildNodeStatus(inputs(), undefined).conditions?.[3].message, 'kubelet is posting ready status');
  });

  test('not Ready while the pod network cannot give addresses, saying why as upstream words it', () => {
    const ready = buildNodeStatus(inputs({ networkNotReady: 'the node has no pod CIDR yet' }), undefined).conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'KubeletNotReady');
    assert.equal(ready?.message, 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:the node has no pod CIDR yet');
  });

  test('images: biggest first, at most 50, digests then tags', () => {
    const images = Array.from({ length: 60 }, (_, i) => image(`i${i}`, i));
    const s = buildNodeStatus(inputs({ images }), undefined);
    assert.equal(s.images?.length, 50);
    assert.deepEqual(s.images?.[0], { names: ['docker.io/library/i59@sha256:i59', 'docker.io/library/i59:latest'], sizeBytes: 59 });
  });

  test('heartbeats move every time; transitions and "changed" only on a real change', () => {
    const first = buildNodeStatus(inputs({ now: NOW - 60_000 }), undefined);
    const again = buildNodeStatus(inputs(), first);
    assert.equal(again.conditions?.[3].lastHeartbeatTime, '2026-11-26T12:00:00Z');
    assert.equal(again.conditions?.[3].lastTransitionTime, '2026-11-26T11:59:00Z');
    assert.equal(nodeStatusChanged(first, again), false);
    const down = buildNodeStatus(inputs({ runtime: undefined }), again);
    assert.equal(down.conditions?.[3].lastTransitionTime, '2026-11-26T12:00:00Z');
    assert.equal(nodeStatusChanged(again, down), true);
    assert.equal(nodeStatusChanged(again, buildNodeStatus(inputs({ images: [image('x', 1)] }), again)), true);
  });
});

describe('host facts parsing', () => {
  test('meminfo in bytes', () => {
    assert.deepEqual(parseMeminfo('MemTotal:       24683620 kB\nMemAvailable:   100 kB\nHugePages_Total:       0\n'), { MemTotal: 24683620 * 1024, MemAvailable: 102400, HugePages_Total: 0 });
  });
  test('os-release PRETTY_NAME', () => {
    assert.equal(prettyName('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(prettyName(''), 'Linux');
  });
});
