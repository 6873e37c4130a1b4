import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { R } from './fixtures.test-support.ts';
import { validateCreate, validateUpdate } from './index.ts';

const cm = (extra: Record<string, unknown>) => ({ metadata: { name: 'game-config', namespace: 'default' }, ...extra });
const errorsOf = (o: any) => validateCreate(R.configMap, o).map((e) => formatFieldError(e));

test('ConfigMap keys', () => {
  assert.deepEqual(errorsOf(cm({ data: { 'game.properties': 'a=b', 'ui.properties': 'c' }, binaryData: { 'logo.png': 'iVBORw0KGgo=' } })), []);
  assert.deepEqual(errorsOf(cm({ data: { 'bad/key': 'x' } })), [
    "data[bad/key]: Invalid value: \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  ]);
  assert.deepEqual(errorsOf(cm({ data: { k: 'x' }, binaryData: { k: 'eA==' } })), [
    'data[k]: Invalid value: "k": duplicate of key present in binaryData',
    'binaryData[k]: Invalid value: "k": duplicate of key present in data',
  ]);
});

test('ConfigMaps hold at most 1 MiB', () => {
  assert.deepEqual(errorsOf(cm({ data: { big: 'x'.repeat(1024 * 1024 + 1) } })), [': Too long: must have at most 1048576 bytes']);
});

test('an immutable ConfigMap keeps its data', () => {
  const old = cm({ data: { a: '1' }, immutable: true });
  assert.deepEqual(
    validateUpdate(R.configMap, cm({ data: { a: '2' }, immutable: true }), old).map((e) => formatFieldError(e)),
    ['data: Forbidden: field is immutable when `immutable` is set'],
  );
  assert.deepEqual(
    validateUpdate(R.configMap, cm({ data: { a: '1' } }), old).map((e) => formatFieldError(e)),
    ['immutable: Forbidden: field is immutable when `immutable` is set'],
  );
  assert.deepEqual(validateUpdate(R.configMap, cm({ data: { a: '1' }, immutable: true, metadata: { name: 'game-config', namespace: 'default', labels: { a: 'b' } } }), old), []);
});
