import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { leasePrinter, namespacePrinter, nodePrinter, priorityClassPrinter } from './cluster.ts';

const NOW = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'n1', creationTimestamp: '2024-05-01T07:00:00Z' };

describe('node table', () => {
  test('a ready control-plane node, wide columns included', () => {
    const node = {
      metadata: { ...meta, labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': '', 'kubernetes.io/hostname': 'n1' } },
      status: {
        conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
        addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '192.168.1.10' }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.18.0', containerRuntimeVersion: 'runc://1.1.5' },
      },
    };
    assert.deepEqual(nodePrinter.cells(node, NOW), [
      'n1', 'Ready', 'control-plane,master', '5h', 'v1.32.0', '192.168.1.10', '<none>', 'Debian GNU/Linux 12', '6.18.0', 'runc://1.1.5',
    ]);
  });

  test('status: NotReady, Unknown, SchedulingDisabled; roles from kubernetes.io/role', () => {
    const cells = (spec: any, conditions: any[], labels: any = {}) => nodePrinter.cells({ metadata: { ...meta, labels }, spec, status: { conditions } }, NOW);
    assert.equal(cells({}, [{ type: 'Ready', status: 'False' }])[1], 'NotReady');
    assert.equal(cells({ unschedulable: true }, [])[1], 'Unknown,SchedulingDisabled');
    assert.equal(cells({ unschedulable: true }, [{ type: 'Ready', status: 'True' }])[1], 'Ready,SchedulingDisabled');
    assert.equal(cells({}, [], { 'kubernetes.io/role': 'worker' })[2], 'worker');
    assert.equal(cells({}, [])[2], '<none>');
    assert.equal(cells({}, [])[7], '<unknown>');
  });
});

test('namespace table', () => {
  assert.deepEqual(namespacePrinter.cells({ metadata: { name: 'default', creationTimestamp: '2024-05-01T11:59:50Z' }, status: { phase: 'Active' } }, NOW), ['default', 'Active', '10s']);
});

test('priority class table', () => {
  const pc = { metadata: { name: 'system-node-critical', creationTimestamp: '2024-05-01T11:00:00Z' }, value: 2000001000, preemptionPolicy: 'PreemptLowerPriority' };
  assert.deepEqual(priorityClassPrinter.cells(pc, NOW), ['system-node-critical', 2000001000, false, '60m', 'PreemptLowerPriority']);
});

test('lease table', () => {
  assert.deepEqual(leasePrinter.cells({ metadata: { name: 'n1', creationTimestamp: '2024-05-01T11:00:00Z' }, spec: { holderIdentity: 'n1' } }, NOW), ['n1', 'n1', '60m']);
  assert.equal(leasePrinter.cells({ metadata: { name: 'x' } }, NOW)[1], '');
});
