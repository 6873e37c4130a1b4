import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue } from '../catalogue.ts';
import { allTypes, fieldSchema, typeByName, typeForKind } from './index.ts';
import { MERGE_KEYS } from './merge-keys.ts';
import type { FieldType } from './types.ts';

describe('schema', () => {
  test('every kind the API server serves has a schema with metadata, and a List kind with items', () => {
    for (const r of catalogue) {
      const kind = typeForKind(r.group, r.version, r.kind);
      assert.ok(kind, `${r.group}/${r.version} ${r.kind} has no schema`);
      assert.deepEqual(kind.fields.metadata?.type, { kind: 'ref', ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }, `${r.kind}.metadata`);
      if (r.verbs.includes('list')) {
        const list = typeForKind(r.group, r.version, r.listKind);
        assert.equal(list?.fields.items?.type.kind, 'array', `${r.listKind}.items`);
      }
    }
  });

  test('types carry upstream names and top-level kinds their group-version-kind', () => {
    const pod = typeForKind('', 'v1', 'Pod');
    assert.equal(pod?.name, 'io.k8s.api.core.v1.Pod');
    assert.deepEqual(pod?.gvk, { group: '', version: 'v1', kind: 'Pod' });
    assert.equal(typeForKind('events.k8s.io', 'v1', 'Event')?.name, 'io.k8s.api.events.v1.Event');
    assert.equal(typeForKind('', 'v1', 'Event')?.name, 'io.k8s.api.core.v1.Event');
    assert.equal(typeForKind('autoscaling', 'v1', 'Scale')?.name, 'io.k8s.api.autoscaling.v1.Scale');
    assert.equal(typeForKind('meta.k8s.io', 'v1', 'Table')?.name, 'io.k8s.apimachinery.pkg.apis.meta.v1.Table');
    assert.equal(typeForKind('apps', 'v1', 'Pod'), undefined);
    assert.equal(typeByName('io.k8s.api.core.v1.Container')?.fields.name.required, true);
    assert.equal(typeByName('io.k8s.api.core.v1.Container')?.fields.image.required, undefined);
  });

  test('DeleteOptions is accepted under every group-version', () => {
    assert.equal(typeForKind('apps', 'v1', 'DeleteOptions')?.name, 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
    assert.equal(typeForKind('', 'v1', 'DeleteOptions')?.name, 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
  });

  test('wire scalars get their own field kinds', () => {
    assert.deepEqual(fieldSchema('io.k8s.api.core.v1.ResourceRequirements', 'limits')?.type, { kind: 'map', values: { kind: 'quantity' } });
    assert.deepEqual(fieldSchema('io.k8s.api.core.v1.EmptyDirVolumeSource', 'sizeLimit')?.type, { kind: 'quantity' });
    assert.deepEqual(fieldSchema('io.k8s.api.core.v1.ContainerPort', 'containerPort')?.type, { kind: 'integer', format: 'int32' });
    assert.deepEqual(fieldSchema('io.k8s.api.apps.v1.RollingUpdateDeployment', 'maxSurge')?.type, { kind: 'int-or-string' });
    assert.deepEqual(fieldSchema('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'creationTimestamp')?.type, { kind: 'time' });
    assert.deepEqual(fieldSchema('io.k8s.api.events.v1.Event', 'eventTime')?.type, { kind: 'time' });
    assert.deepEqual(fieldSchema('io.k8s.api.core.v1.Secret', 'data')?.type, { kind: 'map', values: { kind: 'string', format: 'byte' } });
    assert.deepEqual(fieldSchema('io.k8s.api.apps.v1.ControllerRevision', 'data')?.type, { kind: 'any' });
  });

  test('strategic-merge facts are laid over the generated types', () => {
    assert.deepEqual(
      { ...fieldSchema('io.k8s.api.core.v1.PodSpec', 'containers'), type: undefined },
      { type: undefined, required: true, patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    );
    assert.equal(fieldSchema('io.k8s.api.core.v1.PodSpec', 'volumes')?.patchStrategy, 'merge,retainKeys');
    assert.deepEqual(fieldSchema('io.k8s.api.core.v1.ServiceSpec', 'ports')?.listMapKeys, ['port', 'protocol']);
    assert.equal(fieldSchema('io.k8s.api.core.v1.Container', 'ports')?.patchMergeKey, 'containerPort');
    assert.equal(fieldSchema('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'ownerReferences')?.patchMergeKey, 'uid');
    assert.equal(fieldSchema('io.k8s.api.apps.v1.DeploymentSpec', 'strategy')?.patchStrategy, 'retainKeys');
    assert.equal(fieldSchema('io.k8s.api.core.v1.PodSpec', 'tolerations')?.patchStrategy, undefined);
  });

  test('every merge-keys entry names a list (or, for retainKeys/replace, an object) whose merge key the items have', () => {
    const short = (name: string) => name.replace(/^io\.k8s\.api\./, '').replace(/^io\.k8s\.apimachinery\.pkg\.apis\.meta\./, 'meta.');
    const byShort = new Map(allTypes().map((t) => [short(t.name), t]));
    for (const [key, facts] of Object.entries(MERGE_KEYS)) {
      const dot = key.lastIndexOf('.');
      const field = byShort.get(key.slice(0, dot))?.fields[key.slice(dot + 1)];
      assert.ok(field, key);
      if (facts.patchStrategy === 'retainKeys' || facts.patchStrategy === 'replace') {
        assert.equal(field.type.kind, 'ref', key);
        continue;
      }
      assert.equal(field.type.kind, 'array', key);
      const items = (field.type as Extract<FieldType, { kind: 'array' }>).items;
      for (const k of [facts.patchMergeKey, ...(facts.listMapKeys ?? [])].filter(Boolean) as string[]) {
        assert.equal(items.kind, 'ref', key);
        assert.ok(typeByName((items as Extract<FieldType, { kind: 'ref' }>).ref)?.fields[k], `${key}: items have no ${k}`);
      }
    }
  });

  test('every ref names a type of the schema', () => {
    const refs = (t: FieldType): string[] => (t.kind === 'ref' ? [t.ref] : t.kind === 'array' ? refs(t.items) : t.kind === 'map' ? refs(t.values) : []);
    for (const type of allTypes()) {
      for (const [name, f] of Object.entries(type.fields)) {
        for (const ref of refs(f.type)) assert.ok(typeByName(ref), `${type.name}.${name} → ${ref}`);
      }
    }
  });

  test('names of Object.prototype are not fields', () => {
    assert.equal(fieldSchema('io.k8s.api.core.v1.Pod', 'constructor'), undefined);
    assert.equal(fieldSchema('io.k8s.api.core.v1.Pod', '__proto__'), undefined);
  });
});
