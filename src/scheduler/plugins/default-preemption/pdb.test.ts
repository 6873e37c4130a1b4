import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePod } from '../fixtures.test-support.ts';
import { splitByPDBViolation } from './pdb.ts';
import { pdb } from './fixtures.test-support.ts';

const web = (name: string, namespace = 'default') => ({ pod: makePod(name, { labels: { app: 'web' }, namespace }) });
const cases: { name: string; pods: { pod: ReturnType<typeof makePod> }[]; pdbs: ReturnType<typeof pdb>[]; violating: string[] }[] = [
  { name: 'no budgets: nothing violates', pods: [web('a'), web('b')], pdbs: [], violating: [] },
  { name: 'one disruption allowed: the second violates', pods: [web('a'), web('b')], pdbs: [pdb('p', { app: 'web' }, 1)], violating: ['b'] },
  { name: 'none allowed: both violate', pods: [web('a'), web('b')], pdbs: [pdb('p', { app: 'web' }, 0)], violating: ['a', 'b'] },
  { name: 'a budget of another namespace does not apply', pods: [web('a', 'other')], pdbs: [pdb('p', { app: 'web' }, 0)], violating: [] },
  { name: 'an empty selector selects nothing', pods: [web('a')], pdbs: [pdb('p', {}, 0)], violating: [] },
  { name: 'pods already disrupted are not charged again', pods: [web('a'), web('b')], pdbs: [pdb('p', { app: 'web' }, 1, { a: '2024-01-01T00:00:00Z' })], violating: [] },
  { name: 'pods without labels match no budget', pods: [{ pod: makePod('a') }], pdbs: [pdb('p', {}, 0)], violating: [] },
];
for (const c of cases) {
  test(c.name, () => {
    const { violating, nonViolating } = splitByPDBViolation(c.pods, c.pdbs);
    assert.deepEqual(violating.map((p) => p.pod.metadata!.name), c.violating);
    assert.equal(violating.length + nonViolating.length, c.pods.length);
  });
}
