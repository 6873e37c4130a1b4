import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, formatPath, InvalidFieldsV1 } from './managed-fields-set.ts';

describe('FieldSet', () => {
  test('fieldsV1 round trip: "." marks a member with members below, {} a leaf', () => {
    const fieldsV1 = {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {} } },
        'f:finalizers': { 'v:"a"': {} },
      },
    };
    const set = FieldSet.fromFieldsV1(fieldsV1);
    assert.deepEqual(set.toFieldsV1(), fieldsV1);
    assert.ok(set.has(['f:metadata', 'f:labels']));
    assert.ok(!set.has(['f:metadata']));
    assert.ok(set.hasPrefixOf(['f:spec']));
  });

  test('union, difference and intersection work path by path', () => {
    const a = new FieldSet();
    a.insert(['f:spec', 'f:replicas']);
    a.insert(['f:spec', 'f:paused']);
    const b = new FieldSet();
    b.insert(['f:spec', 'f:replicas']);
    b.insert(['f:metadata', 'f:labels', 'f:x']);
    assert.deepEqual(a.intersection(b).paths(), [['f:spec', 'f:replicas']]);
    assert.deepEqual(a.difference(b).paths(), [['f:spec', 'f:paused']]);
    assert.equal(a.union(b).paths().length, 3);
    assert.deepEqual(new FieldSet().toFieldsV1(), {});
  });

  test('paths print as upstream prints them in conflicts', () => {
    const cases: Array<[string[], string]> = [
      [['f:spec', 'f:replicas'], '.spec.replicas'],
      [['f:spec', 'f:containers', 'k:{"name":"app"}', 'f:image'], '.spec.containers[name="app"].image'],
      [['f:spec', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'], '.spec.ports[containerPort=80,protocol="TCP"]'],
      [['f:metadata', 'f:finalizers', 'v:"x"'], '.metadata.finalizers[="x"]'],
    ];
    for (const [path, text] of cases) assert.equal(formatPath(path), text);
  });

  test('fieldsV1 that is not a tree of path elements is refused', () => {
    assert.throws(() => FieldSet.fromFieldsV1({ 'spec': {} }), InvalidFieldsV1);
    assert.throws(() => FieldSet.fromFieldsV1([]), InvalidFieldsV1);
  });
});
