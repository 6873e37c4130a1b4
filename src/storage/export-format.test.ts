import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidExportError, readExport, type ExportEntry } from './export-format.ts';

const HEADER = '{"format":"skiff-datastore","version":1,"revision":7,"exportedAt":"2026-11-26T15:00:00.000Z"}';
const A = '{"key":"/registry/a","value":"1"}';
const B = '{"key":"/registry/b","value":"{\\"x\\":\\"line\\\\nbreak\\"}"}';

async function* from(lines: string[]): AsyncIterable<string> {
  yield* lines;
}

test('a complete file yields its header and entries in order', async () => {
  const entries: ExportEntry[] = [];
  const result = await readExport(from([HEADER, A, B, '{"end":true,"count":2}']), (e) => void entries.push(e));
  assert.equal(result.count, 2);
  assert.equal(result.header.revision, 7);
  assert.deepEqual(entries, [
    { key: '/registry/a', value: '1' },
    { key: '/registry/b', value: '{"x":"line\\nbreak"}' },
  ]);
});

test('an export of an empty datastore is valid', async () => {
  assert.equal((await readExport(from([HEADER, '{"end":true,"count":0}']), () => {})).count, 0);
});

for (const [name, lines, message] of [
  ['an empty file', [], /line 1: empty file/],
  ['another JSON lines file', ['{"kind":"Pod"}', '{"end":true,"count":0}'], /line 1: not a datastore export/],
  ['a newer version', [HEADER.replace('"version":1', '"version":2'), '{"end":true,"count":0}'], /line 1: export version 2 is not supported/],
  ['a file cut short', [HEADER, A], /line 3: the file ends without its end record after 1 entries: it was cut short/],
  ['a line cut in half', [HEADER, A.slice(0, 10)], /line 2: not a JSON record/],
  ['a wrong count', [HEADER, A, '{"end":true,"count":3}'], /line 3: the end record counts 3 entries, the file holds 1/],
  ['keys out of order', [HEADER, B, A, '{"end":true,"count":2}'], /line 3: key \/registry\/a out of order or repeated/],
  ['a repeated key', [HEADER, A, A, '{"end":true,"count":2}'], /line 3: key \/registry\/a out of order or repeated/],
  ['a value that is not a string', [HEADER, '{"key":"/registry/a","value":{}}', '{"end":true,"count":1}'], /line 2: expected \{"key": string, "value": string\}/],
  ['lines after the end', [HEADER, '{"end":true,"count":0}', A], /line 3: content after the end record/],
  ['an empty line', [HEADER, '', '{"end":true,"count":0}'], /line 2: empty line/],
] as const) {
  test(`${name} is refused, naming the line`, async () => {
    await assert.rejects(readExport(from([...lines]), () => {}), (err: Error) => err instanceof InvalidExportError && message.test(err.message));
  });
}
