import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { CycleState, makeNode, makePod, nodeWith } from '../fixtures.test-support.ts';
import { selectVictimsOnNode } from './select-victims.ts';
import { fitHandle, pdb } from './fixtures.test-support.ts';

const NOW = Date.parse('2024-01-01T12:00:00Z');
const pod = (name: string, priority: number, cpu: string, o: Parameters<typeof makePod>[1] = {}) =>
  makePod(name, { priority, requests: { cpu }, startTime: '2024-01-01T00:00:00Z', ...o });

const cases: {
  name: string;
  existing: Pod[];
  preemptor: Pod;
  pdbs?: PodDisruptionBudget[];
  nominated?: Pod[];
  code: string;
  victims?: string[];
  violations?: number;
  reasons?: string[];
}[] = [
  {
    name: 'the least important pod that makes room',
    existing: [pod('low', 1, '2'), pod('mid', 2, '2')],
    preemptor: pod('p', 10, '2'),
    code: 'Success',
    victims: ['low'],
    violations: 0,
  },
  {
    name: 'as many as needed, most important first in the list',
    existing: [pod('low', 1, '2'), pod('mid', 2, '2')],
    preemptor: pod('p', 10, '4'),
    code: 'Success',
    victims: ['mid', 'low'],
    violations: 0,
  },
  { name: 'no lower-priority pods', existing: [pod('high', 100, '4')], preemptor: pod('p', 10, '1'), code: 'UnschedulableAndUnresolvable', reasons: ['No preemption victims found for incoming pod'] },
  {
    name: 'no fit even without every lower-priority pod',
    existing: [pod('high', 100, '3'), pod('low', 1, '1')],
    preemptor: pod('p', 10, '2'),
    code: 'Unschedulable',
    reasons: ['Insufficient cpu'],
  },
  {
    name: 'of equal priority the newer pod goes',
    existing: [pod('old', 1, '2', { startTime: '2024-01-01T00:00:00Z' }), pod('new', 1, '2', { startTime: '2024-01-01T06:00:00Z' })],
    preemptor: pod('p', 10, '2'),
    code: 'Success',
    victims: ['new'],
    violations: 0,
  },
  {
    name: 'a budget-protected pod is spared when another will do',
    existing: [pod('old', 1, '2'), pod('new', 1, '2', { labels: { app: 'db' }, startTime: '2024-01-01T06:00:00Z' })],
    preemptor: pod('p', 10, '2'),
    pdbs: [pdb('db', { app: 'db' }, 0)],
    code: 'Success',
    victims: ['old'],
    violations: 0,
  },
  {
    name: 'budgets are broken when nothing else makes room',
    existing: [pod('db', 1, '4', { labels: { app: 'db' } })],
    preemptor: pod('p', 10, '2'),
    pdbs: [pdb('db', { app: 'db' }, 0)],
    code: 'Success',
    victims: ['db'],
    violations: 1,
  },
  {
    name: 'room promised to a higher-priority nominated pod is not taken',
    existing: [pod('low', 1, '2')],
    preemptor: pod('p', 10, '3'),
    nominated: [pod('promised', 20, '2')],
    code: 'Unschedulable',
    reasons: ['Insufficient cpu'],
  },
];
for (const c of cases) {
  test(c.name, () => {
    const info = nodeWith(makeNode('n1'), c.existing);
    const handle = fitHandle([info], { n1: c.nominated ?? [] });
    const state = new CycleState();
    handle.prepare(state, c.preemptor);
    const r = selectVictimsOnNode(handle, state, c.preemptor, info, c.pdbs ?? [], NOW);
    assert.equal(r.status.code, c.code);
    if (c.reasons) assert.deepEqual(r.status.reasons, c.reasons);
    if (c.victims) assert.deepEqual(r.victims.map((v) => v.metadata!.name), c.victims);
    if (c.violations !== undefined) assert.equal(r.numPDBViolations, c.violations);
    assert.equal(info.pods.length, c.existing.length, 'the snapshot node is untouched');
  });
}
