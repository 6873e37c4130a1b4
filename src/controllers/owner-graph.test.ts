import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../api/catalogue.ts';
import type { KubeObject } from '../client/index.ts';
import { OwnerGraph } from './owner-graph.ts';

const pods = findResource('', 'v1', 'pods')!;
const pod = (name: string, owners: string[]): KubeObject => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, ownerReferences: owners.map((uid) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid })) },
});
const names = (g: OwnerGraph, uid: string) => g.dependents(uid).map((n) => n.object.metadata?.name).sort();

test('dependents are found by owner uid, even for owners never observed', () => {
  const g = new OwnerGraph();
  g.upsert(pods, pod('a', ['rs1']));
  g.upsert(pods, pod('b', ['rs1', 'rs2']));
  assert.deepEqual(names(g, 'rs1'), ['a', 'b']);
  assert.deepEqual(names(g, 'rs2'), ['b']);
  assert.equal(g.get('rs1'), undefined);
});

test('an update that changes the references moves the dependent', () => {
  const g = new OwnerGraph();
  g.upsert(pods, pod('a', ['rs1']));
  const old = g.upsert(pods, pod('a', ['rs2']));
  assert.equal(old?.object.metadata?.ownerReferences?.[0].uid, 'rs1');
  assert.deepEqual(names(g, 'rs1'), []);
  assert.deepEqual(names(g, 'rs2'), ['a']);
});

test('removing a dependent unlinks it; removing an owner keeps its dependents findable', () => {
  const g = new OwnerGraph();
  const owner: KubeObject = { metadata: { name: 'rs1', namespace: 'ns', uid: 'rs1' } };
  g.upsert(pods, owner);
  g.upsert(pods, pod('a', ['rs1']));
  g.upsert(pods, pod('b', ['rs1']));
  g.remove(pod('a', ['rs1']));
  assert.deepEqual(names(g, 'rs1'), ['b']);
  assert.equal(g.remove(owner)?.uid, 'rs1');
  assert.equal(g.get('rs1'), undefined);
  assert.deepEqual(names(g, 'rs1'), ['b']);
});
