import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { status, type NodeToStatus } from '../../framework/interface.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import { CycleState, makeNode, makePod, nodeWith } from '../fixtures.test-support.ts';
import { DefaultPreemption } from './index.ts';
import { fitHandle, recordingApi } from './fixtures.test-support.ts';

const pod = (name: string, priority: number, cpu: string, o: Parameters<typeof makePod>[1] = {}) =>
  makePod(name, { priority, requests: { cpu }, startTime: '2024-01-01T00:00:00Z', ...o });
const insufficient = (...names: string[]): NodeToStatus => new Map(names.map((n) => [n, status('Unschedulable', 'Insufficient cpu')]));

async function preempt(nodes: NodeInfo[], preemptor: Pod, filtered: NodeToStatus, nominated: Record<string, Pod[]> = {}) {
  const handle = fitHandle(nodes, nominated);
  const api = recordingApi();
  const plugin = new DefaultPreemption(handle, api, { random: () => 0, now: () => Date.parse('2024-01-01T12:00:00Z') });
  const state = new CycleState();
  handle.prepare(state, preemptor);
  const out = await plugin.postFilter(state, preemptor, filtered);
  return { ...out, calls: api.calls };
}

describe('DefaultPreemption', () => {
  test('evicts on the node with the least important victims and nominates it', async () => {
    const nodes = [nodeWith(makeNode('n1'), [pod('important', 50, '4')]), nodeWith(makeNode('n2'), [pod('batch', 1, '4')])];
    const got = await preempt(nodes, pod('p', 10, '2'), insufficient('n1', 'n2'));
    assert.equal(got.status.code, 'Success');
    assert.deepEqual(got.result, { nominatedNodeName: 'n2' });
    assert.deepEqual(got.calls, ['evict batch from n2']);
  });

  test('clears lower-priority pods nominated to the chosen node', async () => {
    const nodes = [nodeWith(makeNode('n1'), [pod('batch', 1, '4')])];
    const got = await preempt(nodes, pod('p', 10, '2'), insufficient('n1'), { n1: [pod('waiting', 5, '1'), pod('vip', 50, '1')] });
    assert.deepEqual(got.calls, ['evict batch from n1', 'clear waiting']);
  });

  test('preemptionPolicy Never', async () => {
    const nodes = [nodeWith(makeNode('n1'), [pod('batch', 1, '4')])];
    const got = await preempt(nodes, pod('p', 10, '2', { preemptionPolicy: 'Never' }), insufficient('n1'));
    assert.equal(got.status.code, 'Unschedulable');
    assert.deepEqual(got.status.reasons, ['preemption: not eligible due to preemptionPolicy=Never.']);
    assert.deepEqual(got.calls, []);
  });

  test('waits while victims of an earlier preemption are leaving the nominated node', async () => {
    const leaving = pod('leaving', 1, '4', { deletionTimestamp: '2024-01-01T11:59:00Z' });
    leaving.status!.conditions = [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }];
    const nodes = [nodeWith(makeNode('n1'), [leaving])];
    const got = await preempt(nodes, pod('p', 10, '2', { nominatedNodeName: 'n1' }), insufficient('n1'));
    assert.deepEqual(got.status.reasons, ['preemption: not eligible due to a terminating pod on the nominated node.']);
  });

  test('says why no node could be freed, as upstream words it', async () => {
    const nodes = [nodeWith(makeNode('n1'), [pod('important', 50, '4')]), nodeWith(makeNode('n2', { labels: { x: 'y' } })), nodeWith(makeNode('n3'))];
    const filtered: NodeToStatus = new Map([
      ['n1', status('Unschedulable', 'Insufficient cpu')],
      ['n2', status('UnschedulableAndUnresolvable', "node(s) didn't match Pod's node affinity/selector")],
      ['n3', status('UnschedulableAndUnresolvable', "node(s) didn't match Pod's node affinity/selector")],
    ]);
    const got = await preempt(nodes, pod('p', 10, '2'), filtered);
    assert.equal(got.status.code, 'Unschedulable');
    assert.deepEqual(got.status.reasons, ['preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.']);
    assert.deepEqual(got.result, { nominatedNodeName: '' });
  });

  test("a pod whose nomination no longer helps gets it cleared", async () => {
    const nodes = [nodeWith(makeNode('n1'))];
    const filtered: NodeToStatus = new Map([['n1', status('UnschedulableAndUnresolvable', 'node(s) were unschedulable')]]);
    const got = await preempt(nodes, pod('p', 10, '2', { nominatedNodeName: 'n1' }), filtered);
    assert.deepEqual(got.calls, ['clear p']);
  });
});
