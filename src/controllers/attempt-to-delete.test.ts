import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../client/index.ts';
import { blockingDependents, decideForDependent, ownerStateOf, type DependentAction, type OwnerState } from './attempt-to-delete.ts';

const ref = (uid: string, blockOwnerDeletion?: boolean): OwnerReference => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid, ...(blockOwnerDeletion === undefined ? {} : { blockOwnerDeletion }) });
const obj = (meta: KubeObject['metadata'] = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'dep', ...meta } });

describe('decideForDependent', () => {
  const cases: { name: string; dependent?: KubeObject; owners: [string, OwnerState][]; hasDependents?: boolean; want: DependentAction }[] = [
    { name: 'a live owner keeps it', owners: [['a', 'solid']], want: { action: 'keep' } },
    { name: 'its only owner gone: deleted in the background', owners: [['a', 'absent']], want: { action: 'delete', propagationPolicy: 'Background' } },
    {
      name: 'one owner gone, another alive: the reference to the gone one is dropped',
      owners: [['a', 'absent'], ['b', 'solid']],
      want: { action: 'removeOwnerReferences', uids: ['a'] },
    },
    {
      name: 'an owner deleting in the foreground and a live one: the reference to the deleting one is dropped',
      owners: [['a', 'waitingForDependentsDeletion'], ['b', 'solid']],
      want: { action: 'removeOwnerReferences', uids: ['a'] },
    },
    {
      name: 'owner deleting in the foreground, no dependents of its own: background',
      owners: [['a', 'waitingForDependentsDeletion']],
      want: { action: 'delete', propagationPolicy: 'Background' },
    },
    {
      name: 'owner deleting in the foreground, with dependents of its own: foreground, so the chain is waited for',
      owners: [['a', 'waitingForDependentsDeletion']],
      hasDependents: true,
      want: { action: 'delete', propagationPolicy: 'Foreground' },
    },
    {
      name: 'owner gone and it carries the orphan finalizer: its own dependents are orphaned',
      dependent: obj({ finalizers: ['orphan'] }),
      owners: [['a', 'absent']],
      hasDependents: true,
      want: { action: 'delete', propagationPolicy: 'Orphan' },
    },
    {
      name: 'already being deleted: left to its own deletion',
      dependent: obj({ deletionTimestamp: '2024-01-01T00:00:00Z' }),
      owners: [['a', 'absent']],
      want: { action: 'keep' },
    },
    { name: 'no owners: kept', owners: [], want: { action: 'keep' } },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const owners = c.owners.map(([uid, state]) => ({ ref: ref(uid), state }));
      assert.deepEqual(decideForDependent(c.dependent ?? obj(), owners, c.hasDependents ?? false), c.want);
    });
  }
});

test('ownerStateOf: only a deletion with the foregroundDeletion finalizer waits for dependents', () => {
  assert.equal(ownerStateOf(obj()), 'solid');
  assert.equal(ownerStateOf(obj({ deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['orphan'] })), 'solid');
  assert.equal(ownerStateOf(obj({ finalizers: ['foregroundDeletion'] })), 'solid');
  assert.equal(ownerStateOf(obj({ deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] })), 'waitingForDependentsDeletion');
});

test('blockingDependents: those whose reference to the owner has blockOwnerDeletion', () => {
  const a = obj({ name: 'a', ownerReferences: [ref('o', true)] });
  const b = obj({ name: 'b', ownerReferences: [ref('o', false)] });
  const c = obj({ name: 'c', ownerReferences: [ref('o')] });
  const d = obj({ name: 'd', ownerReferences: [ref('other', true), ref('o')] });
  assert.deepEqual(blockingDependents('o', [a, b, c, d]).map((x) => x.metadata?.name), ['a']);
});
