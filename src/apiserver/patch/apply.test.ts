/**
 * Server-side apply as a pure function: what two managers sharing a Deployment see — shared
 * fields, conflicts (and their message), force, fields a manager stops applying, containers
 * merged by name — and how ordinary updates move ownership.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { typeForKind } from '../../api/schema/index.ts';
import { decodeManagedFields, encodeManagedFields, recordUpdate, type Manager } from '../managed-fields.ts';
import { objectShape } from '../managed-fields-paths.ts';
import type { KObject } from '../registry/object-store.ts';
import { StatusError } from '../errors.ts';
import { serverSideApply } from './apply.ts';
import { conflictsAllowedByLastApplied, LAST_APPLIED_ANNOTATION, syncLastApplied } from './apply-last-applied.ts';

const shape = objectShape(typeForKind('apps', 'v1', 'Deployment'));
const now = new Date('2026-11-26T12:00:00Z');

function deployment(spec: KObject, metadata: KObject = {}): KObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', ...metadata }, spec };
}

function container(name: string, extra: KObject = {}): KObject {
  return { name, image: `${name}:1`, ...extra };
}

function podSpec(...containers: KObject[]): KObject {
  return { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers } } };
}

/** Applies `config` as `manager` on top of `live` (with its managers), returning object and managers. */
function apply(live: KObject | undefined, managers: Manager[], config: KObject, manager: string, force = false) {
  return serverSideApply({ live, config, managers, manager, force, shape, apiVersion: 'apps/v1', hasStatus: true, now });
}

function owned(managers: Manager[], name: string): string[] {
  const m = managers.find((x) => x.manager === name);
  return m ? m.fields.paths().map((p) => p.join('/')) : [];
}

describe('server-side apply', () => {
  test('the first apply creates ownership of exactly the applied fields', () => {
    const { object, managers } = apply(undefined, [], deployment({ replicas: 2, ...podSpec(container('app')) }), 'alice');
    assert.equal(object.spec.replicas, 2);
    const [entry] = encodeManagedFields(managers)!;
    assert.equal(entry.manager, 'alice');
    assert.equal(entry.operation, 'Apply');
    assert.deepEqual(entry.fieldsV1, {
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    });
  });

  test('two managers share a field they set to the same value and conflict over a different one', () => {
    const first = apply(undefined, [], deployment({ replicas: 2, ...podSpec(container('app')) }), 'alice');
    const same = apply(first.object, first.managers, deployment({ replicas: 2 }), 'bob');
    assert.ok(owned(same.managers, 'alice').includes('f:spec/f:replicas'));
    assert.ok(owned(same.managers, 'bob').includes('f:spec/f:replicas'));

    assert.throws(
      () => apply(first.object, first.managers, deployment({ replicas: 5 }), 'bob'),
      (err: StatusError) => {
        assert.equal(err.code, 409);
        assert.equal(err.reason, 'Conflict');
        assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
        assert.deepEqual(err.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' }]);
        return true;
      },
    );
  });

  test('an Update manager is named with its version, several conflicts are listed by manager', () => {
    const created = deployment({ replicas: 1, ...podSpec(container('app')) });
    const managers = recordUpdate([], undefined, created, { manager: 'kubectl-client-side-apply', apiVersion: 'apps/v1', hasStatus: true, shape, now });
    assert.throws(
      () => apply(created, managers, deployment({ replicas: 3, ...podSpec(container('app', { image: 'app:2' })) }), 'kubectl'),
      (err: StatusError) => {
        assert.equal(
          err.message,
          'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="app"].image',
        );
        return true;
      },
    );
  });

  test('force takes the field over: the other manager loses it', () => {
    const first = apply(undefined, [], deployment({ replicas: 2, ...podSpec(container('app')) }), 'alice');
    const forced = apply(first.object, first.managers, deployment({ replicas: 5 }), 'bob', true);
    assert.equal(forced.object.spec.replicas, 5);
    assert.ok(!owned(forced.managers, 'alice').includes('f:spec/f:replicas'));
    assert.deepEqual(owned(forced.managers, 'bob'), ['f:spec/f:replicas']);
    // Alice keeps what nobody took.
    assert.ok(owned(forced.managers, 'alice').includes('f:spec/f:selector'));
  });

  test('a field the applier stops applying is removed, unless another manager owns it', () => {
    const first = apply(undefined, [], deployment({ replicas: 2, minReadySeconds: 5, paused: true, ...podSpec(container('app')) }), 'alice');
    const shared = apply(first.object, first.managers, deployment({ paused: true }), 'bob');
    const next = apply(shared.object, shared.managers, deployment({ replicas: 2, ...podSpec(container('app')) }), 'alice');
    assert.equal(next.object.spec.minReadySeconds, undefined, 'only alice owned minReadySeconds');
    assert.equal(next.object.spec.paused, true, 'bob still owns paused');
    assert.ok(!owned(next.managers, 'alice').includes('f:spec/f:minReadySeconds'));
  });

  test('a map or list the applier still applies keys of stays, even when its old set owned the map itself', () => {
    const config = deployment({ replicas: 1, ...podSpec(container('app')) });
    const live = structuredClone(config);
    // What kubectl's client-side to server-side migration leaves: an Update set moved into the Apply entry.
    const migrated = recordUpdate([], undefined, live, { manager: 'kubectl', apiVersion: 'apps/v1', hasStatus: true, shape, now }).map((m) => ({ ...m, operation: 'Apply' as const }));
    assert.ok(migrated[0].fields.has(['f:spec', 'f:template', 'f:metadata', 'f:labels']));
    const { object } = apply(live, migrated, config, 'kubectl');
    assert.deepEqual(object.spec.template, config.spec.template);
  });

  test('containers merge by name: another manager adds one, the applier removes its own', () => {
    const first = apply(undefined, [], deployment(podSpec(container('app'), container('sidecar'))), 'alice');
    const bob = apply(first.object, first.managers, deployment({ template: { spec: { containers: [container('logger')] } } }), 'bob');
    assert.deepEqual(bob.object.spec.template.spec.containers.map((c: KObject) => c.name), ['app', 'sidecar', 'logger']);
    const dropped = apply(bob.object, bob.managers, deployment(podSpec(container('app', { image: 'app:2' }))), 'alice');
    assert.deepEqual(
      dropped.object.spec.template.spec.containers.map((c: KObject) => `${c.name}=${c.image}`),
      ['app=app:2', 'logger=logger:1'],
    );
  });

  test('ports are keyed by containerPort and protocol, TCP when not given', () => {
    const { managers } = apply(undefined, [], deployment(podSpec(container('app', { ports: [{ containerPort: 80 }] }))), 'alice');
    const paths = owned(managers, 'alice');
    assert.ok(paths.some((p) => p.endsWith('f:ports/k:{"containerPort":80,"protocol":"TCP"}')), paths.join('\n'));
  });

  test('an Update takes the fields it changes from every other manager and marks new maps with "."', () => {
    const first = apply(undefined, [], deployment({ replicas: 2, ...podSpec(container('app')) }), 'alice');
    const next = structuredClone(first.object);
    next.spec.replicas = 4;
    next.metadata.labels = { tier: 'front' };
    const managers = recordUpdate(first.managers, first.object, next, { manager: 'scaler', apiVersion: 'apps/v1', hasStatus: true, shape, now });
    assert.ok(!owned(managers, 'alice').includes('f:spec/f:replicas'));
    const scaler = encodeManagedFields(managers)!.find((e) => e.manager === 'scaler')!;
    assert.deepEqual(scaler.fieldsV1, { 'f:metadata': { 'f:labels': { '.': {}, 'f:tier': {} } }, 'f:spec': { 'f:replicas': {} } });
    assert.equal(scaler.operation, 'Update');
    assert.deepEqual(decodeManagedFields(encodeManagedFields(managers)).map((m) => m.manager), ['alice', 'scaler']);
  });

  test('kubectl takes over fields its last client-side apply set, and rewrites that annotation', () => {
    const config = deployment({ replicas: 2, ...podSpec(container('app')) });
    const live = deployment(config.spec, { annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(config) } });
    const managers = recordUpdate([], undefined, live, { manager: 'kubectl-client-side-apply', apiVersion: 'apps/v1', hasStatus: true, shape, now });
    const next = deployment({ replicas: 3, ...podSpec(container('app')) });
    const result = serverSideApply({
      live,
      config: next,
      managers,
      manager: 'kubectl',
      force: false,
      shape,
      apiVersion: 'apps/v1',
      hasStatus: true,
      now,
      allowedConflicts: () => conflictsAllowedByLastApplied(live, shape),
    });
    assert.equal(result.object.spec.replicas, 3);
    syncLastApplied(result.object, next);
    assert.equal(JSON.parse(result.object.metadata.annotations[LAST_APPLIED_ANNOTATION]).spec.replicas, 3);
    // A field changed since the last client-side apply is still a conflict.
    const drifted = structuredClone(live);
    drifted.spec.replicas = 7;
    assert.equal(conflictsAllowedByLastApplied(drifted, shape)!.has(['f:spec', 'f:replicas']), false);
  });
});
