import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import { conditionTaints, lastHeartbeat, reconcileTaints, unknownConditions } from './node-health.ts';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const cond = (type: string, status: string, heartbeat = T0): NodeCondition => ({ type, status, reason: 'Kubelet', lastHeartbeatTime: iso(heartbeat), lastTransitionTime: iso(T0) });
const node = (conditions: NodeCondition[] = [], taints?: Taint[], unschedulable?: boolean): Node => ({
  metadata: { name: 'n1', creationTimestamp: iso(T0 - 60_000) },
  spec: { ...(taints ? { taints } : {}), ...(unschedulable ? { unschedulable } : {}) },
  status: { conditions },
});

describe('lastHeartbeat', () => {
  test('the later of the lease renewal and the Ready heartbeat', () => {
    const n = node([cond('Ready', 'True', T0 + 5_000)]);
    assert.equal(lastHeartbeat(n, { spec: { renewTime: new Date(T0 + 9_000).toISOString() } }), T0 + 9_000);
    assert.equal(lastHeartbeat(n, { spec: { renewTime: new Date(T0 + 1_000).toISOString() } }), T0 + 5_000);
    assert.equal(lastHeartbeat(n, undefined), T0 + 5_000);
  });
  test('a node never heard from counts from its creation', () => {
    assert.equal(lastHeartbeat(node(), undefined), T0 - 60_000);
  });
  test('a lease renewTime with microseconds is read', () => {
    assert.equal(lastHeartbeat(node(), { spec: { renewTime: '2024-01-01T00:00:07.123456Z' } }), T0 + 7_123);
  });
});

describe('unknownConditions', () => {
  test('Ready and the pressure conditions become Unknown; others are left; heartbeats are kept', () => {
    const n = node([cond('Ready', 'True'), cond('MemoryPressure', 'False'), cond('DiskPressure', 'False'), cond('PIDPressure', 'False'), cond('NetworkUnavailable', 'False')]);
    const got = unknownConditions(n, T0 + 50_000)!;
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = got.find((x) => x.type === type)!;
      assert.equal(c.status, 'Unknown');
      assert.equal(c.reason, 'NodeStatusUnknown');
      assert.equal(c.message, 'Kubelet stopped posting node status.');
      assert.equal(c.lastHeartbeatTime, iso(T0));
      assert.equal(c.lastTransitionTime, iso(T0 + 50_000));
    }
    assert.equal(got.find((x) => x.type === 'NetworkUnavailable')?.status, 'False');
    assert.equal(n.status?.conditions?.[0].status, 'True', 'the input is not changed');
  });
  test('a node that never posted status gets them as never updated', () => {
    const got = unknownConditions(node(), T0)!;
    assert.deepEqual(got.map((c) => [c.type, c.status, c.reason]), [
      ['Ready', 'Unknown', 'NodeStatusNeverUpdated'],
      ['MemoryPressure', 'Unknown', 'NodeStatusNeverUpdated'],
      ['DiskPressure', 'Unknown', 'NodeStatusNeverUpdated'],
      ['PIDPressure', 'Unknown', 'NodeStatusNeverUpdated'],
    ]);
  });
  test('nothing to do when they already are Unknown', () => {
    const n = node(['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].map((t) => cond(t, 'Unknown')));
    assert.equal(unknownConditions(n, T0), undefined);
  });
});

describe('conditionTaints', () => {
  const cases: { name: string; node: Node; want: string[] }[] = [
    { name: 'Ready', node: node([cond('Ready', 'True')]), want: [] },
    { name: 'not ready', node: node([cond('Ready', 'False')]), want: ['node.kubernetes.io/not-ready:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute'] },
    { name: 'unknown', node: node([cond('Ready', 'Unknown')]), want: ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute'] },
    { name: 'no Ready condition yet', node: node(), want: [] },
    {
      name: 'pressure and unschedulable',
      node: node([cond('Ready', 'True'), cond('MemoryPressure', 'True'), cond('DiskPressure', 'False'), cond('NetworkUnavailable', 'True')], undefined, true),
      want: ['node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/network-unavailable:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule'],
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(conditionTaints(c.node).map((t) => `${t.key}:${t.effect}`), c.want));
});

describe('reconcileTaints', () => {
  const unreachableNoExecute = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(T0) };
  test('an unreachable node gets both unreachable taints, NoExecute stamped now; foreign taints stay', () => {
    const got = reconcileTaints(node([cond('Ready', 'Unknown')], [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]), T0 + 3_000);
    assert.deepEqual(got, [
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: iso(T0 + 3_000) },
    ]);
  });
  test('taints already there keep their timeAdded: nothing to change', () => {
    assert.equal(reconcileTaints(node([cond('Ready', 'Unknown')], [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, unreachableNoExecute]), T0 + 9_000), undefined);
  });
  test('unreachable turned not-ready: the taints are swapped', () => {
    const got = reconcileTaints(node([cond('Ready', 'False')], [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, unreachableNoExecute]), T0 + 9_000);
    assert.deepEqual(got, [
      { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: iso(T0 + 9_000) },
    ]);
  });
  test('Ready again: the managed taints go, others stay', () => {
    const got = reconcileTaints(node([cond('Ready', 'True')], [unreachableNoExecute, { key: 'dedicated', effect: 'NoExecute' }]), T0);
    assert.deepEqual(got, [{ key: 'dedicated', effect: 'NoExecute' }]);
  });
});
