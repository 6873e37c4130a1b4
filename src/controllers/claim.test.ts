import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { selectorFromLabelSelector } from '../api/labels.ts';
import type { KubeObject } from '../client/index.ts';
import { claimDecision, claimObjects } from './claim.ts';

const ownerRef: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true, blockOwnerDeletion: true };
const other: OwnerReference = { ...ownerRef, name: 'other', uid: 'u2' };
const selector = selectorFromLabelSelector({ matchLabels: { app: 'web' } });

function obj(labels: Record<string, string>, refs?: OwnerReference[], deleting = false): KubeObject {
  return { metadata: { name: 'p', namespace: 'ns', resourceVersion: '7', labels, ownerReferences: refs, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } };
}

describe('claiming', () => {
  test('decisions', () => {
    const cases: [string, KubeObject, boolean, string][] = [
      ['owned and matching', obj({ app: 'web' }, [ownerRef]), false, 'own'],
      ['owned, labels changed', obj({ app: 'x' }, [ownerRef]), false, 'release'],
      ['owned, labels changed, owner being deleted', obj({ app: 'x' }, [ownerRef]), true, 'own'],
      ['owned, labels changed, object being deleted', obj({ app: 'x' }, [ownerRef], true), false, 'own'],
      ['orphan, matching', obj({ app: 'web' }), false, 'adopt'],
      ['orphan with a non-controller owner, matching', obj({ app: 'web' }, [{ ...other, controller: false }]), false, 'adopt'],
      ['orphan, matching, owner being deleted', obj({ app: 'web' }), true, 'ignore'],
      ['orphan, matching, being deleted', obj({ app: 'web' }, undefined, true), false, 'ignore'],
      ['orphan, not matching', obj({ app: 'x' }), false, 'ignore'],
      ['controlled by another', obj({ app: 'web' }, [other]), false, 'ignore'],
    ];
    for (const [name, o, ownerDeleting, want] of cases) assert.equal(claimDecision(o, ownerRef, selector, ownerDeleting), want, name);
  });

  test('adoption and release patch ownerReferences with the cached resourceVersion; adoption asks canAdopt once', async () => {
    const patches: unknown[] = [];
    let asked = 0;
    const client = {
      async patch<T>(_r: unknown, _ns: unknown, _name: unknown, patch: unknown) {
        patches.push(patch);
        return { metadata: { name: 'p', ownerReferences: (patch as any).metadata.ownerReferences } } as T;
      },
    };
    const orphanA = obj({ app: 'web' });
    const orphanB = obj({ app: 'web' }, [{ ...other, controller: false }]);
    const stray = obj({ app: 'x' }, [ownerRef]);
    const claimed = await claimObjects([orphanA, orphanB, stray], {
      client,
      resource: { plural: 'pods' } as never,
      ownerRef,
      selector,
      ownerDeleting: false,
      canAdopt: async () => (asked++, true),
    });
    assert.equal(asked, 1);
    assert.equal(claimed.length, 2);
    assert.deepEqual(patches, [
      { metadata: { resourceVersion: '7', ownerReferences: [ownerRef] } },
      { metadata: { resourceVersion: '7', ownerReferences: [{ ...other, controller: false }, ownerRef] } },
      { metadata: { resourceVersion: '7', ownerReferences: null } },
    ]);
  });

  test('nothing is adopted when the owner turns out to be gone', async () => {
    const client = { patch: async () => assert.fail('no patch expected') };
    const claimed = await claimObjects([obj({ app: 'web' })], { client, resource: {} as never, ownerRef, selector, ownerDeleting: false, canAdopt: async () => false });
    assert.deepEqual(claimed, []);
  });
});
