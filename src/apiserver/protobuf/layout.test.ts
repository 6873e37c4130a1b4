import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allTypes } from '../../api/schema/loader.ts';
import { messageLayout, type Slot } from './layout.ts';
import { MEANINGFUL_EMPTY_STRINGS, VALUE_SCALARS } from './presence.ts';

/** meta.k8s.io types upstream serves only as JSON. */
const JSON_ONLY = /\.meta\.v1\.Table/;

function fieldNames(slots: Map<number, Slot>): string[] {
  return [...slots.values()].flatMap((s) => (s.kind === 'field' ? [s.name] : fieldNames(s.slots)));
}

describe('protobuf layout', () => {
  test('every field of every served type has a field number (apiVersion and kind of a kind travel in the envelope)', () => {
    const missing: string[] = [];
    for (const type of allTypes()) {
      if (JSON_ONLY.test(type.name)) continue;
      const layout = messageLayout(type.name);
      if (!layout) {
        missing.push(type.name);
        continue;
      }
      const numbered = new Set(fieldNames(layout.slots));
      for (const field of Object.keys(type.fields)) {
        if (type.gvk && (field === 'apiVersion' || field === 'kind')) continue;
        if (!numbered.has(field)) missing.push(`${type.name}.${field}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test('inlined structs are found where the JSON flattens them', () => {
    const probe = messageLayout('io.k8s.api.core.v1.Probe')!;
    const handler = probe.slots.get(1);
    assert.equal(handler?.kind, 'inline');
    assert.deepEqual(fieldNames(handler.kind === 'inline' ? handler.slots : new Map()).sort(), ['exec', 'grpc', 'httpGet', 'tcpSocket']);
  });

  test('the zero-value lists of presence.ts name integer, boolean or string fields of the schema', () => {
    const byShortName = new Map<string, Array<Record<string, { type: { kind: string } }>>>();
    for (const type of allTypes()) {
      const short = type.name.slice(type.name.lastIndexOf('.') + 1);
      byShortName.set(short, [...(byShortName.get(short) ?? []), type.fields]);
    }
    const wrong = [...VALUE_SCALARS, ...MEANINGFUL_EMPTY_STRINGS].filter((entry) => {
      const [typeName, field] = entry.split('.');
      const kinds = (byShortName.get(typeName) ?? []).map((fields) => (Object.hasOwn(fields, field) ? fields[field].type.kind : undefined));
      const expected = MEANINGFUL_EMPTY_STRINGS.has(entry) ? ['string'] : ['integer', 'boolean'];
      return !kinds.some((k) => k !== undefined && expected.includes(k));
    });
    assert.deepEqual(wrong, []);
  });
});
