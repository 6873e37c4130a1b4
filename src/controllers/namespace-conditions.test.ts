import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deletionConditions, type DeletionOutcome } from './namespace-conditions.ts';

const clean: DeletionOutcome = { errors: [], remaining: new Map(), finalizers: new Map() };
const byType = (conds: { type: string; status: string; reason?: string; message?: string }[]) =>
  Object.fromEntries(conds.map((c) => [c.type, `${c.status} ${c.reason}: ${c.message}`]));

describe('deletionConditions', () => {
  test('a clean pass sets all five conditions False with their ok reasons', () => {
    assert.deepEqual(byType(deletionConditions([], clean, 'T1')), {
      NamespaceDeletionDiscoveryFailure: 'False ResourcesDiscovered: All resources successfully discovered',
      NamespaceDeletionGroupVersionParsingFailure: 'False ParsedGroupVersions: All legacy kube types successfully parsed',
      NamespaceDeletionContentFailure: 'False ContentDeleted: All content successfully deleted, may be waiting on finalization',
      NamespaceContentRemaining: 'False ContentRemoved: All content successfully removed',
      NamespaceFinalizersRemaining: 'False ContentHasNoFinalizers: All content-preserving finalizers finished',
    });
  });

  test('failures, remaining content and finalizers are reported True with what is left', () => {
    const outcome: DeletionOutcome = {
      errors: ['pods.: the server is on fire'],
      remaining: new Map([['pods.', 2], ['deployments.apps', 1]]),
      finalizers: new Map([['example.com/hold', 3]]),
    };
    const conds = byType(deletionConditions([], outcome, 'T1'));
    assert.equal(conds.NamespaceDeletionContentFailure, 'True ContentDeletionFailed: Failed to delete all resource types, 1 remaining: pods.: the server is on fire');
    assert.equal(conds.NamespaceContentRemaining, 'True SomeResourcesRemain: Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances');
    assert.equal(conds.NamespaceFinalizersRemaining, 'True SomeFinalizersRemain: Some content in the namespace has finalizers remaining: example.com/hold in 3 resource instances');
  });

  test('a condition that did not change keeps its transition time; one that did gets the new time', () => {
    const first = deletionConditions([{ type: 'Other', status: 'True' }], { ...clean, remaining: new Map([['pods.', 1]]) }, 'T1');
    const second = deletionConditions(first, clean, 'T2');
    const times = Object.fromEntries(second.map((c) => [c.type, c.lastTransitionTime]));
    assert.equal(times.NamespaceContentRemaining, 'T2');
    assert.equal(times.NamespaceDeletionContentFailure, 'T1');
    assert.equal(second[0].type, 'Other', 'conditions of others are kept');
  });
});
