import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPodInfo } from '../../framework/node-info.ts';
import { makeNode, makePod } from '../fixtures.test-support.ts';
import { termMatches, TopologyCounts } from './terms.ts';

const zoneA = makeNode('a1', { labels: { zone: 'a' } });
const zoneB = makeNode('b1', { labels: { zone: 'b' } });

test('counts per pair, dropping pairs that return to zero', () => {
  const c = new TopologyCounts();
  c.add(zoneA, 'zone', 1);
  c.add(zoneA, 'zone', 1);
  c.add(zoneB, 'zone', 1);
  assert.deepEqual([c.get('zone', 'a'), c.get('zone', 'b'), c.size], [2, 1, 2]);
  c.add(zoneB, 'zone', -1);
  assert.deepEqual([c.get('zone', 'b'), c.size], [0, 1]);
  assert.equal(c.anyPositiveOn(zoneA), true);
  assert.equal(c.anyPositiveOn(zoneB), false);
});

test('a node without the key is not counted', () => {
  const c = new TopologyCounts();
  c.add(makeNode('x'), 'zone', 1);
  assert.equal(c.size, 0);
});

test('a clone counts on its own', () => {
  const c = new TopologyCounts();
  c.add(zoneA, 'zone', 1);
  const copy = c.clone();
  copy.add(zoneA, 'zone', -1);
  assert.deepEqual([c.get('zone', 'a'), copy.get('zone', 'a'), copy.size], [1, 0, 0]);
});

const term = (namespaces?: string[], namespaceSelector?: object) =>
  newPodInfo(makePod('owner', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector: { matchLabels: { app: 'db' } }, namespaces, namespaceSelector }] } } })).requiredAffinityTerms[0];
const db = (namespace: string) => makePod('db', { namespace, labels: { app: 'db' } });

const cases: { name: string; term: ReturnType<typeof term>; pod: ReturnType<typeof db>; want: boolean }[] = [
  { name: "the owner's namespace by default", term: term(), pod: db('default'), want: true },
  { name: 'not another namespace by default', term: term(), pod: db('other'), want: false },
  { name: 'a named namespace', term: term(['other']), pod: db('other'), want: true },
  { name: 'an empty namespaceSelector: every namespace', term: term(undefined, {}), pod: db('anywhere'), want: true },
  { name: 'a namespaceSelector without known labels', term: term(undefined, { matchLabels: { team: 'a' } }), pod: db('team-a'), want: false },
  { name: 'labels must match too', term: term(), pod: makePod('web', { labels: { app: 'web' } }), want: false },
];
for (const c of cases) test(c.name, () => assert.equal(termMatches(c.term, c.pod), c.want));
