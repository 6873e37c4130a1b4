import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SortedKeys } from './sorted-keys.ts';

test('keys stay sorted and unique through inserts and deletes across many chunks', () => {
  const keys = new SortedKeys();
  const model = new Set<string>();
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 20_000; i++) {
    const key = `/registry/pods/ns${random() % 7}/p${random() % 5000}`;
    if (random() % 3 === 0) assert.equal(keys.delete(key), model.delete(key));
    else {
      assert.equal(keys.insert(key), !model.has(key));
      model.add(key);
    }
  }
  const sorted = [...model].sort();
  assert.equal(keys.size, sorted.length);
  assert.deepEqual([...keys.from('')], sorted);
  for (const probe of ['/registry/pods/ns3/', '/registry/pods/ns3/p2500', '/registry/pods/ns9', '']) {
    const rank = sorted.filter((k) => k < probe).length;
    assert.equal(keys.rank(probe), rank, `rank of ${probe}`);
    assert.deepEqual([...keys.from(probe)], sorted.slice(rank), `from ${probe}`);
  }
});

test('an empty set has nothing to give', () => {
  const keys = new SortedKeys();
  assert.equal(keys.delete('a'), false);
  assert.equal(keys.rank('a'), 0);
  assert.deepEqual([...keys.from('')], []);
});
