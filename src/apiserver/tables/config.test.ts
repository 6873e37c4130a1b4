import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config.ts';

const NOW = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'x', creationTimestamp: '2024-05-01T11:59:00Z' };

test('config maps count text and binary keys', () => {
  assert.deepEqual(configMapPrinter.cells({ metadata: meta, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, NOW), ['x', 3, '60s']);
  assert.deepEqual(configMapPrinter.cells({ metadata: meta }, NOW), ['x', 0, '60s']);
});

test('secrets show their type and key count', () => {
  assert.deepEqual(secretPrinter.columns.map((c) => c.name), ['Name', 'Type', 'Data', 'Age']);
  assert.deepEqual(secretPrinter.cells({ metadata: meta, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } }, NOW), ['x', 'kubernetes.io/tls', 2, '60s']);
});

test('service accounts count their secrets', () => {
  assert.deepEqual(serviceAccountPrinter.cells({ metadata: meta }, NOW), ['x', 0, '60s']);
  assert.deepEqual(serviceAccountPrinter.cells({ metadata: meta, secrets: [{ name: 's' }] }, NOW), ['x', 1, '60s']);
});
