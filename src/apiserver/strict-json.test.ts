import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BodySyntaxError, parseJsonStrict, parseYamlStrict, strictDecodingCauses, strictDecodingMessage } from './strict-json.ts';

function syntaxErrorOf(fn: () => unknown): BodySyntaxError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BodySyntaxError, `expected a BodySyntaxError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the input to be refused');
}

describe('parseJsonStrict', () => {
  test('parses like JSON.parse and reports no duplicates in a clean body', () => {
    const text = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v \\" } {"}}';
    assert.deepEqual(parseJsonStrict(text), { value: JSON.parse(text), duplicateFields: [] });
  });

  test('reports duplicate keys by path; the last value wins', () => {
    const text = `{
      "metadata": {"name": "a", "labels": {"x": "1"}, "name": "b"},
      "spec": {"containers": [{"name": "c"}, {"name": "d", "image": "i", "image": "j"}]},
      "spec": {}
    }`;
    const { value, duplicateFields } = parseJsonStrict(text);
    assert.deepEqual(duplicateFields, ['metadata.name', 'spec.containers[1].image', 'spec']);
    assert.deepEqual(value, { metadata: { name: 'b', labels: { x: '1' } }, spec: {} });
  });

  test('keys that differ only by escaping are the same key', () => {
    assert.deepEqual(parseJsonStrict('{"a":{"name":1,"n\\u0061me":2}}').duplicateFields, ['a.name']);
    assert.deepEqual(parseJsonStrict('{"a\\"b":1,"a\\"b":2,"x":"\\\\"}').duplicateFields, ['a"b']);
  });

  test('the same key in sibling objects is no duplicate', () => {
    assert.deepEqual(parseJsonStrict('[{"a":1},{"a":2},[{"a":3}]]').duplicateFields, []);
  });

  test('malformed input is refused with what and where', () => {
    const cases: Array<[string, string, number, number]> = [
      ['{"a":}', "invalid character '}' looking for beginning of value", 1, 6],
      ['{\n  "a": 1,\n}', "invalid character '}' looking for beginning of object key string", 3, 1],
      ['{"a" 1}', "invalid character '1' after object key", 1, 6],
      ['[1 2]', "invalid character '2' after array element", 1, 4],
      ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair", 1, 8],
      ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')", 1, 9],
      ['{"a":"x\ny"}', "invalid character '\\x0a' in string literal", 1, 8],
      ['{"a":1}x', "invalid character 'x' after top-level value", 1, 8],
      ['{"a":1', 'unexpected end of JSON input', 1, 7],
      ['', 'unexpected end of JSON input', 1, 1],
    ];
    for (const [text, what, line, column] of cases) {
      const err = syntaxErrorOf(() => parseJsonStrict(text));
      assert.equal(err.message, `${what} at line ${line}, column ${column} (offset ${err.offset})`, JSON.stringify(text));
      assert.deepEqual([err.line, err.column], [line, column], JSON.stringify(text));
    }
  });
});

describe('parseYamlStrict', () => {
  test('parses a manifest and reports duplicate keys by path', () => {
    const text = ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: a', '  name: b', 'spec:', '  containers:', '  - name: c', '    image: nginx', '    image: busybox', ''].join('\n');
    const { value, duplicateFields } = parseYamlStrict(text);
    assert.deepEqual(duplicateFields, ['metadata.name', 'spec.containers[0].image']);
    assert.deepEqual(value, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  });

  test('reads scalars as upstream does: YAML 1.1 booleans, timestamps left as strings', () => {
    const { value } = parseYamlStrict('a: yes\nb: off\nc: "yes"\nd: 2024-01-02T03:04:05Z\ne: 010\n');
    assert.deepEqual(value, { a: true, b: false, c: 'yes', d: '2024-01-02T03:04:05Z', e: 8 });
  });

  test('malformed YAML and multi-document bodies are refused with their position', () => {
    const bad = syntaxErrorOf(() => parseYamlStrict('metadata:\n  name: a\n labels: x: y\n'));
    assert.match(bad.message, /^yaml: .* at line \d+, column \d+$/);
    assert.ok(bad.line >= 2);
    const multi = syntaxErrorOf(() => parseYamlStrict('a: 1\n---\nb: 2\n'));
    assert.match(multi.message, /multiple documents/);
    assert.equal(multi.line, 2);
  });

  test('an empty document is null', () => {
    assert.deepEqual(parseYamlStrict(''), { value: null, duplicateFields: [] });
  });
});

describe('strictDecodingMessage', () => {
  test('words the faults as upstream', () => {
    assert.equal(strictDecodingMessage(['spec.foo', 'spec.template.spec.containers[0].imagee'], ['metadata.name']), 'strict decoding error: unknown field "spec.foo", unknown field "spec.template.spec.containers[0].imagee", duplicate field "metadata.name"');
    assert.deepEqual(strictDecodingCauses(['a'], ['b']), ['unknown field "a"', 'duplicate field "b"']);
  });
});
