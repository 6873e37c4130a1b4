import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetSpec } from 'kubernetes-types/policy/v1.js';
import {
  budgetStatus,
  countHealthy,
  DELETION_TIMEOUT_MS,
  expectedAndDesired,
  failedStatus,
  InvalidIntOrPercentError,
  needsScale,
  podsOfBudget,
  pruneDisruptedPods,
} from './disruption-plan.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function pod(name: string, opts: { labels?: Record<string, string>; ready?: boolean; deleting?: boolean; namespace?: string } = {}): Pod {
  return {
    metadata: { name, namespace: opts.namespace ?? 'ns', labels: opts.labels ?? { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: at(NOW) } : {}) },
    status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

const budget = (spec: PodDisruptionBudgetSpec, status?: PodDisruptionBudget['status']): PodDisruptionBudget => ({
  metadata: { name: 'b', namespace: 'ns', generation: 3 },
  spec,
  ...(status ? { status } : {}),
});

describe('podsOfBudget', () => {
  const all = [pod('a'), pod('b', { labels: { app: 'db' } }), pod('c', { namespace: 'other' })];
  const cases: { name: string; selector: PodDisruptionBudgetSpec['selector']; want: string[] }[] = [
    { name: 'matchLabels selects its pods in the namespace', selector: { matchLabels: { app: 'web' } }, want: ['a'] },
    { name: 'an empty selector selects every pod of the namespace', selector: {}, want: ['a', 'b'] },
    { name: 'no selector selects nothing', selector: undefined, want: [] },
    { name: 'expressions work', selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'web'] }] }, want: ['a', 'b'] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(podsOfBudget(budget({ selector: c.selector }), all).map((p) => p.metadata!.name), c.want));
  }
});

describe('expectedAndDesired', () => {
  const cases: { name: string; spec: PodDisruptionBudgetSpec; matching: number; scale: number; want: { expectedPods: number; desiredHealthy: number }; scaled: boolean }[] = [
    { name: 'minAvailable count: expected is the matching pods', spec: { minAvailable: 2 }, matching: 3, scale: 0, want: { expectedPods: 3, desiredHealthy: 2 }, scaled: false },
    { name: 'minAvailable percent rounds up against scale', spec: { minAvailable: '50%' }, matching: 2, scale: 5, want: { expectedPods: 5, desiredHealthy: 3 }, scaled: true },
    { name: 'maxUnavailable count against scale', spec: { maxUnavailable: 1 }, matching: 2, scale: 4, want: { expectedPods: 4, desiredHealthy: 3 }, scaled: true },
    { name: 'maxUnavailable percent rounds up (so fewer are desired)', spec: { maxUnavailable: '30%' }, matching: 5, scale: 5, want: { expectedPods: 5, desiredHealthy: 3 }, scaled: true },
    { name: 'maxUnavailable over the scale desires none', spec: { maxUnavailable: 9 }, matching: 2, scale: 2, want: { expectedPods: 2, desiredHealthy: 0 }, scaled: true },
    { name: 'neither given: nothing expected nor desired', spec: {}, matching: 2, scale: 0, want: { expectedPods: 0, desiredHealthy: 0 }, scaled: false },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(needsScale(c.spec), c.scaled);
      assert.deepEqual(expectedAndDesired(c.spec, c.matching, c.scale), c.want);
    });
  }
  test('a string that is no percentage is refused', () => {
    assert.throws(() => expectedAndDesired({ minAvailable: 'half' }, 1, 1), InvalidIntOrPercentError);
  });
});

describe('pruneDisruptedPods and countHealthy', () => {
  const recent = at(NOW - 30_000);
  const old = at(NOW - DELETION_TIMEOUT_MS - 1000);
  const cases: { name: string; disrupted: Record<string, string>; pods: Pod[]; kept: Record<string, string>; expired: string[]; recheck?: number; healthy: number }[] = [
    { name: 'nothing disrupted: every ready pod is healthy', disrupted: {}, pods: [pod('a'), pod('b'), pod('c', { ready: false })], kept: {}, expired: [], healthy: 2 },
    { name: 'a recent eviction stands and is not healthy; recheck when it runs out', disrupted: { a: recent }, pods: [pod('a'), pod('b')], kept: { a: recent }, expired: [], recheck: DELETION_TIMEOUT_MS - 30_000, healthy: 1 },
    { name: 'a pod being deleted drops its entry and is not healthy', disrupted: { a: recent }, pods: [pod('a', { deleting: true }), pod('b')], kept: {}, expired: [], healthy: 1 },
    { name: 'an entry whose pod is gone is dropped', disrupted: { gone: recent }, pods: [pod('b')], kept: {}, expired: [], healthy: 1 },
    { name: 'an eviction older than the timeout whose pod lives on is given back', disrupted: { a: old }, pods: [pod('a'), pod('b')], kept: {}, expired: ['a'], healthy: 2 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { disruptedPods, recheckAfterMs, expired } = pruneDisruptedPods(c.disrupted, c.pods, NOW);
      assert.deepEqual(disruptedPods, c.kept);
      assert.deepEqual(expired, c.expired);
      assert.equal(recheckAfterMs, c.recheck);
      assert.equal(countHealthy(c.pods, disruptedPods), c.healthy);
    });
  }
});

describe('budgetStatus and failedStatus', () => {
  test('sufficient pods allow the surplus and say so', () => {
    const s = budgetStatus(budget({ minAvailable: 1 }), { expectedPods: 3, desiredHealthy: 1, currentHealthy: 3, disruptedPods: {} }, NOW);
    assert.deepEqual(s, {
      observedGeneration: 3,
      disruptionsAllowed: 2,
      currentHealthy: 3,
      desiredHealthy: 1,
      expectedPods: 3,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 3, lastTransitionTime: at(NOW) }],
    });
  });
  test('too few healthy pods allow none; disruptedPods are kept; the transition time moves only with the status', () => {
    const before = at(NOW - 60_000);
    const prior = { currentHealthy: 3, desiredHealthy: 3, disruptionsAllowed: 0, expectedPods: 3, conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', lastTransitionTime: before }] };
    const s = budgetStatus(budget({ minAvailable: 3 }, prior), { expectedPods: 3, desiredHealthy: 3, currentHealthy: 2, disruptedPods: { a: before } }, NOW);
    assert.equal(s.disruptionsAllowed, 0);
    assert.deepEqual(s.disruptedPods, { a: before });
    assert.equal(s.conditions![0].reason, 'InsufficientPods');
    assert.equal(s.conditions![0].lastTransitionTime, before);
  });
  test('a failed sync allows nothing and gives the reason', () => {
    const s = failedStatus(budget({ maxUnavailable: 1 }, { disruptionsAllowed: 2, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3 }), 'found no controllers for pod "a"', NOW);
    assert.equal(s.disruptionsAllowed, 0);
    assert.equal(s.observedGeneration, 3);
    assert.deepEqual(
      s.conditions!.map((c) => [c.type, c.status, c.reason, c.message]),
      [['DisruptionAllowed', 'False', 'SyncFailed', 'found no controllers for pod "a"']],
    );
  });
});
