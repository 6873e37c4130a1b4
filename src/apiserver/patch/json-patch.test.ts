import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.ts';
import { StatusError } from '../errors.ts';

function deployment() {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { 'example.com/owner': 'team-a' } },
    spec: {
      replicas: 2,
      template: {
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] },
            { name: 'sidecar', image: 'busybox' },
          ],
        },
      },
    },
  };
}

/** Runs `fn`, expecting a StatusError; returns it for inspection. */
function statusErrorOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected a StatusError, got ${err}`);
    return err;
  }
  assert.fail('expected the patch to be rejected');
}

/** The reason upstream puts in the single cause of a 422 from a patch that does not apply. */
function unappliedReason(err: StatusError): string {
  assert.equal(err.code, 422);
  assert.equal(err.reason, 'Invalid');
  assert.equal(err.message, 'the server rejected our request due to an error in our request');
  const cause = err.details?.causes?.[0];
  assert.equal(cause?.reason, 'UnexpectedServerResponse');
  return cause?.message ?? '';
}

describe('applyJsonPatch', () => {
  test('add, replace and remove on a Deployment, in order', () => {
    const out = applyJsonPatch(deployment(), [
      { op: 'replace', path: '/spec/replicas', value: 5 },
      { op: 'add', path: '/metadata/labels/tier', value: 'frontend' },
      { op: 'remove', path: '/metadata/annotations/example.com~1owner' },
    ]) as ReturnType<typeof deployment>;
    assert.equal(out.spec.replicas, 5);
    assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'frontend' });
    assert.deepEqual(out.metadata.annotations, {});
  });

  test('leaves the original object untouched', () => {
    const original = deployment();
    applyJsonPatch(original, [
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.26' },
      { op: 'remove', path: '/spec/template/spec/containers/1' },
    ]);
    assert.deepEqual(original, deployment());
  });

  test('~1 and ~0 escape "/" and "~" in keys', () => {
    const out = applyJsonPatch({ metadata: { annotations: {} } }, [
      { op: 'add', path: '/metadata/annotations/kubernetes.io~1change-cause', value: 'rollout' },
      { op: 'add', path: '/metadata/annotations/a~0b', value: 'tilde' },
    ]);
    assert.deepEqual(out, { metadata: { annotations: { 'kubernetes.io/change-cause': 'rollout', 'a~b': 'tilde' } } });
  });

  test('"-" appends to a list and an index inserts before that element', () => {
    const out = applyJsonPatch(deployment(), [
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'last', image: 'x' } },
      { op: 'add', path: '/spec/template/spec/containers/0', value: { name: 'first', image: 'y' } },
    ]) as ReturnType<typeof deployment>;
    assert.deepEqual(
      out.spec.template.spec.containers.map((c) => c.name),
      ['first', 'nginx', 'sidecar', 'last'],
    );
  });

  test('move and copy', () => {
    const out = applyJsonPatch(deployment(), [
      { op: 'copy', from: '/metadata/labels', path: '/spec/selector' },
      { op: 'move', from: '/metadata/annotations/example.com~1owner', path: '/metadata/labels/owner' },
    ]) as Record<string, any>;
    assert.deepEqual(out.spec.selector, { app: 'web' });
    assert.deepEqual(out.metadata.labels, { app: 'web', owner: 'team-a' });
    assert.deepEqual(out.metadata.annotations, {});
  });

  test('a passing test lets the rest apply; a failing one rejects the whole patch', () => {
    const ok = applyJsonPatch(deployment(), [
      { op: 'test', path: '/spec/template/spec/containers/0', value: { image: 'nginx:1.25', name: 'nginx', ports: [{ containerPort: 80 }] } },
      { op: 'replace', path: '/spec/replicas', value: 3 },
    ]) as ReturnType<typeof deployment>;
    assert.equal(ok.spec.replicas, 3);

    const err = statusErrorOf(() =>
      applyJsonPatch(deployment(), [
        { op: 'replace', path: '/spec/replicas', value: 3 },
        { op: 'test', path: '/spec/replicas', value: 2 },
      ]),
    );
    assert.equal(unappliedReason(err), 'testing value /spec/replicas failed: test failed');
  });

  test('replacing past the end of a list is 422 with upstream reason', () => {
    const err = statusErrorOf(() => applyJsonPatch(deployment(), [{ op: 'replace', path: '/spec/template/spec/containers/2', value: {} }]));
    assert.equal(unappliedReason(err), 'replace operation does not apply: doc is missing key: /spec/template/spec/containers/2: missing value');
  });

  test('replacing a missing object member sets it, as upstream does', () => {
    const out = applyJsonPatch(deployment(), [{ op: 'replace', path: '/spec/paused', value: true }]) as Record<string, any>;
    assert.equal(out.spec.paused, true);
  });

  test('moving a missing member is 422 with upstream reason', () => {
    const err = statusErrorOf(() => applyJsonPatch(deployment(), [{ op: 'move', from: '/metadata/labels/zz', path: '/metadata/labels/b' }]));
    assert.equal(unappliedReason(err), "error in move for path: 'zz': Unable to remove nonexistent key: zz: missing value");
  });

  test('adding under a missing parent is 422', () => {
    const err = statusErrorOf(() => applyJsonPatch(deployment(), [{ op: 'add', path: '/spec/strategy/type', value: 'Recreate' }]));
    assert.equal(unappliedReason(err), 'add operation does not apply: doc is missing path: "/spec/strategy/type": missing value');
  });

  test('removing a missing key is 422', () => {
    const err = statusErrorOf(() => applyJsonPatch(deployment(), [{ op: 'remove', path: '/metadata/labels/missing' }]));
    assert.equal(
      unappliedReason(err),
      "error in remove for path: '/metadata/labels/missing': Unable to remove nonexistent key: missing: missing value",
    );
  });

  test('an index past the end of a list is 422', () => {
    const err = statusErrorOf(() => applyJsonPatch(deployment(), [{ op: 'remove', path: '/spec/template/spec/containers/2' }]));
    assert.match(unappliedReason(err), /Unable to access invalid index: 2/);
    const addErr = statusErrorOf(() =>
      applyJsonPatch(deployment(), [{ op: 'add', path: '/spec/template/spec/containers/3', value: {} }]),
    );
    assert.match(unappliedReason(addErr), /Unable to access invalid index: 3/);
  });

  test('an unknown operation is 422', () => {
    const err = statusErrorOf(() => applyJsonPatch(deployment(), [{ op: 'frobnicate', path: '/spec' }]));
    assert.equal(unappliedReason(err), 'Unexpected kind: frobnicate');
  });

  test('a body that is not a list of operation objects is 400 BadRequest', () => {
    const notList = statusErrorOf(() => applyJsonPatch(deployment(), { op: 'add', path: '/a', value: 1 }));
    assert.equal(notList.code, 400);
    assert.equal(notList.reason, 'BadRequest');
    assert.equal(notList.message, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    const notOps = statusErrorOf(() => applyJsonPatch(deployment(), ['add']));
    assert.equal(notOps.code, 400);
  });

  test('more operations than upstream allows is 413', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/kind', value: 'Deployment' }));
    const err = statusErrorOf(() => applyJsonPatch(deployment(), ops));
    assert.equal(err.code, 413);
    assert.equal(err.reason, 'RequestEntityTooLarge');
  });

  test('the empty pointer addresses the whole document', () => {
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 });
  });
});
