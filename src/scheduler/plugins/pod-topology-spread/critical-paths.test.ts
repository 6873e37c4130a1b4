import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CriticalPaths } from './critical-paths.ts';

const cases: { name: string; updates: [string, number][]; min: number }[] = [
  { name: 'no domains', updates: [], min: Number.MAX_SAFE_INTEGER },
  { name: 'the smallest of several', updates: [['a', 3], ['b', 1], ['c', 2]], min: 1 },
  { name: 'the minimum grows and the runner-up takes over', updates: [['a', 1], ['b', 2], ['a', 5]], min: 2 },
  { name: 'a domain drops below the minimum', updates: [['a', 1], ['b', 2], ['c', 3], ['c', 0]], min: 0 },
];
for (const c of cases) {
  test(c.name, () => {
    const p = new CriticalPaths();
    for (const [v, n] of c.updates) p.update(v, n);
    assert.equal(p.min, c.min);
  });
}

test('a clone changes independently', () => {
  const p = new CriticalPaths();
  p.update('a', 2);
  const c = p.clone();
  c.update('a', 0);
  assert.equal(p.min, 2);
  assert.equal(c.min, 0);
});
