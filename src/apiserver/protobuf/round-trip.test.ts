/**
 * Every served kind (and its list) survives protobuf: an object with every field of its schema
 * filled in, encoded as a response and decoded as a request body, is the same JSON again.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue } from '../../api/catalogue.ts';
import { apiVersionOf } from '../../api/resource.ts';
import { typeByName, typeForKind } from '../../api/schema/index.ts';
import type { FieldType } from '../../api/schema/types.ts';
import { decodeProtobufObject } from './decode.ts';
import { encodeResponse } from './encode.ts';
import { messageLayout } from './layout.ts';

/** A non-zero sample of a field type, so that nothing is lost to zero-value presence rules. */
function sample(t: FieldType, depth: number, path: string): unknown {
  switch (t.kind) {
    case 'string':
      return t.enum?.[0] ?? (t.format === 'byte' ? Buffer.from(path).toString('base64') : `s-${path.length}`);
    case 'integer':
      return 7;
    case 'number':
      return 1.5;
    case 'boolean':
      return true;
    case 'quantity':
      return '250m';
    case 'int-or-string':
      return path.length % 2 ? 'http' : 8080;
    case 'time':
      return '2026-11-26T12:00:00Z';
    case 'any':
      return { any: ['json'] };
    case 'array':
      return [sample(t.items, depth, `${path}[]`)];
    case 'map':
      return { k: sample(t.values, depth, `${path}{}`) };
    case 'ref':
      return sampleObject(t.ref, depth + 1, path);
  }
}

/** Every field a type's protobuf layout carries, filled in (nested types to a few levels). */
function sampleObject(typeName: string, depth: number, path: string): Record<string, unknown> {
  const type = typeByName(typeName);
  const layout = messageLayout(typeName);
  const out: Record<string, unknown> = {};
  if (!type || !layout || depth > 6) return out;
  const names: string[] = [];
  const collect = (slots: typeof layout.slots) => {
    for (const slot of slots.values()) {
      if (slot.kind === 'inline') collect(slot.slots);
      else if (slot.encoding !== 'MicroTime') names.push(slot.name);
    }
  };
  collect(layout.slots);
  for (const name of names) {
    const f = type.fields[name];
    // One handler of a Probe or one source of a Volume at a time, as the API allows.
    if (['exec', 'grpc', 'tcpSocket'].includes(name) || (typeName.endsWith('.Volume') && name !== 'name' && name !== 'emptyDir')) continue;
    if (typeName.endsWith('VolumeSource') && typeName.includes('Projected')) continue;
    out[name] = sample(f.type, depth, `${path}.${name}`);
  }
  return out;
}

describe('protobuf round trip of every served kind', () => {
  for (const r of catalogue) {
    const type = typeForKind(r.group, r.version, r.kind);
    if (!type || !messageLayout(type.name)) continue;
    test(`${apiVersionOf(r)} ${r.kind} and ${r.listKind}`, () => {
      const obj = { apiVersion: apiVersionOf(r), kind: r.kind, ...sampleObject(type.name, 0, r.kind) };
      const encoded = encodeResponse(obj);
      assert.ok(encoded, `${r.kind} has a protobuf form`);
      assert.deepEqual(decodeProtobufObject(encoded).object, obj);
      const listType = typeForKind(r.group, r.version, r.listKind);
      if (!listType) return;
      const list = { apiVersion: apiVersionOf(r), kind: r.listKind, metadata: { resourceVersion: '42' }, items: [obj] };
      // Items carry no apiVersion and kind in protobuf, as upstream: the list's kind says what they are.
      const { apiVersion: _a, kind: _k, ...item } = obj;
      assert.deepEqual(decodeProtobufObject(encodeResponse(list)!).object, { ...list, items: [item] });
    });
  }

  test('a Status encodes', () => {
    const status = { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'no', reason: 'NotFound', code: 404, details: { name: 'x', kind: 'pods' } };
    assert.deepEqual(decodeProtobufObject(encodeResponse(status)!).object, status);
  });

  test('a kind with no protobuf form here is left to JSON', () => {
    assert.equal(encodeResponse({ apiVersion: 'meta.k8s.io/v1', kind: 'Table' }), undefined);
  });
});
