import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefixEnd } from './key-range.ts';

test('prefixEnd bounds exactly the strings that start with the prefix', () => {
  assert.equal(prefixEnd('/registry/pods/'), '/registry/pods0');
  assert.equal(prefixEnd('/a\u{1F600}'), '/a\u{1F601}');
  assert.equal(prefixEnd('x\uD7FF'), 'x\uE000');
  assert.equal(prefixEnd('a\u{10FFFF}'), 'b');
  assert.equal(prefixEnd('\u{10FFFF}'), undefined);
  assert.equal(prefixEnd(''), undefined);
});
