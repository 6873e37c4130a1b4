import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodIPRange } from './pod-ip-range.ts';

test('addresses are handed out from .2, one per uid, and reused once released', () => {
  const range = new PodIPRange('100.64.3.0/24');
  assert.equal(range.allocate('a'), '100.64.3.2');
  assert.equal(range.allocate('b'), '100.64.3.3');
  assert.equal(range.allocate('a'), '100.64.3.2');
  range.release('a');
  const seen = new Set<string>();
  for (let i = 0; i < 252; i++) seen.add(range.allocate(`p${i}`) ?? 'none');
  assert.ok(seen.has('100.64.3.2'), 'a released address comes round again');
  assert.ok(!seen.has('100.64.3.255') && !seen.has('100.64.3.1') && !seen.has('100.64.3.3'));
  assert.equal(range.allocate('one-too-many'), undefined);
});

test('reserve records addresses reported before and refuses foreign or taken ones', () => {
  const range = new PodIPRange('10.42.7.0/24');
  assert.equal(range.reserve('a', '10.42.7.9'), true);
  assert.equal(range.allocate('a'), '10.42.7.9');
  assert.equal(range.reserve('b', '10.42.7.9'), false);
  assert.equal(range.reserve('c', '10.42.8.9'), false);
  assert.equal(range.reserve('d', '10.42.7.1'), false);
});

test('a range given by a host address is taken from its network', () => {
  assert.equal(new PodIPRange('10.42.7.77/24').allocate('a'), '10.42.7.2');
  assert.throws(() => new PodIPRange('10.42.7.0/31'), RangeError);
  assert.throws(() => new PodIPRange('fd00::/64'), RangeError);
});
