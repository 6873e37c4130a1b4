import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podsToDelete, POD_DELETION_COST } from './pod-ranking.ts';

interface Shape {
  node?: string;
  phase?: string;
  ready?: string;
  cost?: number;
  restarts?: number;
  created?: string;
}

function pod(name: string, s: Shape): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      creationTimestamp: s.created ?? '2026-01-01T00:00:00Z',
      ...(s.cost !== undefined ? { annotations: { [POD_DELETION_COST]: String(s.cost) } } : {}),
    },
    spec: { containers: [], ...(s.node ? { nodeName: s.node } : {}) },
    status: {
      phase: s.phase ?? 'Running',
      conditions: s.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: s.ready }] : [],
      containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: !!s.ready, restartCount: s.restarts ?? 0 }],
    },
  };
}

const READY = '2026-01-01T00:05:00Z';

describe('which surplus pod goes first', () => {
  test('each rule, one pair at a time', () => {
    const cases: [rule: string, first: Shape, second: Shape][] = [
      ['unscheduled before scheduled', { ready: READY }, { node: 'a', ready: READY }],
      ['Pending before Running', { node: 'a', phase: 'Pending' }, { node: 'a', phase: 'Running' }],
      ['Unknown before Running', { node: 'a', phase: 'Unknown' }, { node: 'a', phase: 'Running' }],
      ['not ready before ready', { node: 'a' }, { node: 'a', ready: READY }],
      ['lower deletion cost first', { node: 'a', ready: READY, cost: -5 }, { node: 'a', ready: READY, cost: 10 }],
      ['ready for less time first', { node: 'a', ready: '2026-01-01T00:09:00Z' }, { node: 'a', ready: READY }],
      ['more restarts first', { node: 'a', ready: READY, restarts: 3 }, { node: 'a', ready: READY, restarts: 1 }],
      ['newer first', { node: 'a', ready: READY, created: '2026-01-01T00:02:00Z' }, { node: 'a', ready: READY }],
    ];
    for (const [rule, first, second] of cases) {
      const pods = [pod('second', second), pod('first', first)];
      assert.equal(podsToDelete(pods, pods, 1)[0].metadata!.name, 'first', rule);
      assert.equal(podsToDelete(pods.reverse(), pods, 1)[0].metadata!.name, 'first', `${rule} (other order)`);
    }
  });

  test('pods doubled up on a node go before lone ones', () => {
    const pods = [pod('lone', { node: 'b', ready: READY }), pod('shared-1', { node: 'a', ready: READY, created: '2025-01-01T00:00:00Z' }), pod('shared-2', { node: 'a', ready: READY, created: '2025-01-01T00:00:00Z' })];
    const victims = podsToDelete(pods, pods, 1).map((p) => p.metadata!.name);
    assert.match(victims.join(), /^shared-/);
  });

  test('asking for more than there are returns them all', () => {
    const pods = [pod('a', {}), pod('b', {})];
    assert.equal(podsToDelete(pods, pods, 5).length, 2);
  });
});
