import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cloneJson } from './json-value.ts';

test('cloneJson copies a JSON value deeply, with nothing shared', () => {
  const doc = JSON.parse('{"a":{"b":[1,{"c":"d"}],"e":null},"f":true,"__proto__":{"x":1}}');
  const copy = cloneJson(doc);
  assert.deepEqual(copy, doc);
  assert.notEqual(copy.a, doc.a);
  assert.notEqual(copy.a.b[1], doc.a.b[1]);
  copy.a.b[1].c = 'changed';
  assert.equal(doc.a.b[1].c, 'd');
  assert.ok(Object.hasOwn(copy, '__proto__'), 'a "__proto__" member stays a member, not the prototype');
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
});

test('cloneJson keeps what structuredClone kept for values JSON does not have', () => {
  const when = new Date(0);
  const copy = cloneJson({ at: when, gone: undefined });
  assert.ok(copy.at instanceof Date && copy.at !== when && copy.at.getTime() === 0);
  assert.ok(Object.hasOwn(copy, 'gone'));
});
