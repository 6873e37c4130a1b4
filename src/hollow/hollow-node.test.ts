import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOLLOW_NODE_LABEL, hollowNodeIP, hollowNodeStatus, hollowPodCIDR, newHollowNode } from './hollow-node.ts';

const SHAPE = { cpu: '4', memory: '16Gi', pods: 110 };
const NOW = Date.parse('2026-11-26T12:00:00Z');

test('each node gets its own address and pod range', () => {
  const cases: [number, string, string][] = [
    [0, '172.16.0.1', '100.64.0.0/24'],
    [1, '172.16.0.2', '100.64.1.0/24'],
    [256, '172.16.1.1', '100.65.0.0/24'],
    [16_383, '172.16.64.0', '100.127.255.0/24'],
  ];
  for (const [index, ip, cidr] of cases) {
    assert.equal(hollowNodeIP(index), ip, `ip of ${index}`);
    assert.equal(hollowPodCIDR(index), cidr, `cidr of ${index}`);
  }
  assert.throws(() => hollowPodCIDR(16_384), RangeError);
});

test('a new hollow node is labelled, Ready, with the capacity it was given', () => {
  const node = newHollowNode('hollow-3', 3, SHAPE, NOW);
  assert.equal(node.metadata!.labels![HOLLOW_NODE_LABEL], 'true');
  assert.equal(node.metadata!.labels!['kubernetes.io/hostname'], 'hollow-3');
  assert.deepEqual(node.status!.allocatable, { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' });
  const ready = node.status!.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'True');
  assert.equal(node.status!.addresses![0].address, '172.16.0.4');
  assert.equal(node.status!.nodeInfo!.kubeletVersion, 'v1.32.0');
});

test('a later status moves heartbeats and keeps transition times', () => {
  const first = hollowNodeStatus('h', 0, SHAPE, NOW, undefined);
  const later = hollowNodeStatus('h', 0, SHAPE, NOW + 60_000, first);
  const ready = later.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.lastHeartbeatTime, '2026-11-26T12:01:00Z');
  assert.equal(ready.lastTransitionTime, '2026-11-26T12:00:00Z');
});
