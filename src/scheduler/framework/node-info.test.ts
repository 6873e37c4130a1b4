import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { computePodRequests, newNodeInfo, newPodInfo } from './node-info.ts';

function pod(containers: Partial<Container>[], initContainers: Partial<Container>[] = [], overhead?: Record<string, string>): Pod {
  const c = (x: Partial<Container>, i: number) => ({ name: `c${i}`, ...x }) as Container;
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: containers.map(c), initContainers: initContainers.map(c), overhead } };
}
const req = (cpu?: string, memory?: string) => ({ resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } });

test('computePodRequests follows upstream: app sum, init peak, sidecars, overhead', () => {
  const cases: { name: string; pod: Pod; cpu: number; mem: number; nonZeroCpu: number; nonZeroMem: number }[] = [
    { name: 'no requests', pod: pod([{}]), cpu: 0, mem: 0, nonZeroCpu: 100, nonZeroMem: 200 * 2 ** 20 },
    { name: 'sum of app containers', pod: pod([req('250m', '1Gi'), req('0.5', '512Mi')]), cpu: 750, mem: 1.5 * 2 ** 30, nonZeroCpu: 750, nonZeroMem: 1.5 * 2 ** 30 },
    { name: 'init container larger than app sum', pod: pod([req('100m', '1Mi')], [req('2', '1Mi')]), cpu: 2000, mem: 2 ** 20, nonZeroCpu: 2000, nonZeroMem: 2 ** 20 },
    { name: 'explicit zero stays zero for scoring', pod: pod([req('0', '0')]), cpu: 0, mem: 0, nonZeroCpu: 0, nonZeroMem: 0 },
    {
      name: 'sidecar adds to app sum and to later init containers',
      pod: pod([req('1', '1Mi')], [{ ...req('500m', '1Mi'), restartPolicy: 'Always' }, req('1', '1Mi')]),
      cpu: 1500,
      mem: 2 * 2 ** 20,
      nonZeroCpu: 1500,
      nonZeroMem: 2 * 2 ** 20,
    },
    { name: 'overhead added', pod: pod([req('1', '1Mi')], [], { cpu: '100m', memory: '1Mi' }), cpu: 1100, mem: 2 * 2 ** 20, nonZeroCpu: 1100, nonZeroMem: 2 * 2 ** 20 },
  ];
  for (const c of cases) {
    const { requests, nonZeroRequests } = computePodRequests(c.pod);
    assert.deepEqual([requests.milliCPU, requests.memory, nonZeroRequests.milliCPU, nonZeroRequests.memory], [c.cpu, c.mem, c.nonZeroCpu, c.nonZeroMem], c.name);
  }
});

test('extended resources are scalar requests', () => {
  const p = pod([{ resources: { requests: { 'example.com/gpu': '2' } } }]);
  assert.deepEqual(computePodRequests(p).requests.scalar, { 'example.com/gpu': 2 });
});

test('NodeInfo keeps sums, ports and affinity lists in step with pods', () => {
  const node = { metadata: { name: 'n1' }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } };
  const p1 = pod([{ ...req('1', '1Gi'), ports: [{ containerPort: 80, hostPort: 8080 }] }]);
  const p2: Pod = {
    ...pod([req('500m')]),
    metadata: { name: 'p2', namespace: 'ns', uid: 'u2' },
  };
  p2.spec!.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } }] } };
  const ni = newNodeInfo(node, [p1, p2]);
  assert.equal(ni.allocatable.milliCPU, 4000);
  assert.equal(ni.allocatable.allowedPodNumber, 110);
  assert.equal(ni.requested.milliCPU, 1500);
  assert.deepEqual([...ni.usedPorts], ['0.0.0.0/TCP/8080']);
  assert.equal(ni.podsWithRequiredAntiAffinity.length, 1);
  const before = ni.generation;
  const snapshot = ni.clone();
  assert.equal(ni.removePod(p1), true);
  assert.ok(ni.generation > before);
  assert.equal(ni.requested.milliCPU, 500);
  assert.equal(ni.usedPorts.size, 0);
  assert.equal(snapshot.requested.milliCPU, 1500, 'a clone does not see later changes');
  assert.equal(snapshot.pods.length, 2);
});

test('affinity terms default to the pod namespace and match labels', () => {
  const p = pod([{}]);
  p.spec!.affinity = {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }] } }],
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: { topologyKey: 'zone', namespaceSelector: {}, labelSelector: {} } }],
    },
  };
  const info = newPodInfo(p);
  const [t] = info.requiredAffinityTerms;
  assert.deepEqual([...t.namespaces], ['ns']);
  assert.equal(t.selector.matches({ app: 'b' }), true);
  assert.equal(t.selector.matches({ app: 'c' }), false);
  const [w] = info.preferredAffinityTerms;
  assert.equal(w.weight, 5);
  assert.equal(w.namespaces.size, 0);
  assert.equal(w.namespaceSelector?.matches({ any: 'x' }), true);
});

test("a NodeInfo carries its Node's name, in its copies too, and none once the Node is gone", () => {
  const info = newNodeInfo({ metadata: { name: 'n1' }, status: { allocatable: { cpu: '1', pods: '10' } } });
  assert.equal(info.name, 'n1');
  assert.equal(info.clone().name, 'n1');
  info.removeNode();
  assert.equal(info.name, '');
});
