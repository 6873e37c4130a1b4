/**
 * Server-side apply with the real kubectl: `apply --server-side` creates and updates, records
 * its manager in metadata.managedFields, refuses to change another manager's field unless
 * `--force-conflicts`, removes the fields it stops applying, and takes over an object that
 * client-side `kubectl apply` managed without conflicts. Ordinary writes record Update managers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { manifests, startCluster, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

function deployment(ns: string, replicas: number, labels: Record<string, string> = {}, image = 'busybox:1'): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns, labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

async function getJson(kubectl: Kubectl, args: string[]): Promise<any> {
  const r = await kubectl(['get', ...args, '-o', 'json', '--show-managed-fields']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function managers(obj: any): string[] {
  return (obj.metadata.managedFields ?? []).map((m: any) => `${m.manager}/${m.operation}`);
}

describe('kubectl apply --server-side', () => {
  test('creates, then conflicts with another manager unless forced', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const created = await kubectl(['apply', '--server-side', '-f', '-'], { stdin: manifests(deployment(ns, 2, { tier: 'front' })) });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'deployment.apps/web serverside-applied\n');
    let obj = await getJson(kubectl, ['deployment', 'web', '-n', ns]);
    assert.deepEqual(managers(obj), ['kubectl/Apply']);
    assert.deepEqual(obj.metadata.managedFields[0].fieldsV1['f:spec']['f:replicas'], {});
    assert.equal(obj.spec.strategy.type, 'RollingUpdate', 'the applied object is defaulted');

    const other = await kubectl(['apply', '--server-side', '--field-manager=scaler', '-f', '-'], {
      stdin: manifests({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 5 } }),
    });
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas/);

    const forced = await kubectl(['apply', '--server-side', '--field-manager=scaler', '--force-conflicts', '-f', '-'], {
      stdin: manifests({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 5 } }),
    });
    assert.equal(forced.code, 0, forced.stderr);
    obj = await getJson(kubectl, ['deployment', 'web', '-n', ns]);
    assert.equal(obj.spec.replicas, 5);
    const kubectlEntry = obj.metadata.managedFields.find((m: any) => m.manager === 'kubectl');
    assert.equal(kubectlEntry.fieldsV1['f:spec']['f:replicas'], undefined, 'kubectl lost .spec.replicas to the forced apply');
  });

  test('removes the fields it stops applying', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const first = await kubectl(['apply', '--server-side', '-f', '-'], { stdin: manifests(deployment(ns, 1, { tier: 'front', team: 'a' })) });
    assert.equal(first.code, 0, first.stderr);
    const second = await kubectl(['apply', '--server-side', '-f', '-'], { stdin: manifests(deployment(ns, 1, { tier: 'front' })) });
    assert.equal(second.code, 0, second.stderr);
    const obj = await getJson(kubectl, ['deployment', 'web', '-n', ns]);
    assert.deepEqual(obj.metadata.labels, { tier: 'front' });
  });

  test('takes over an object client-side apply created, without conflicts', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const csa = await kubectl(['apply', '-f', '-'], { stdin: manifests(deployment(ns, 2)) });
    assert.equal(csa.code, 0, csa.stderr);
    let obj = await getJson(kubectl, ['deployment', 'web', '-n', ns]);
    assert.deepEqual(managers(obj), ['kubectl-client-side-apply/Update']);

    const ssa = await kubectl(['apply', '--server-side', '-f', '-'], { stdin: manifests(deployment(ns, 3)) });
    assert.equal(ssa.code, 0, ssa.stderr);
    // kubectl then moves the client-side manager's fields to its own and applies again: both must work.
    assert.equal(ssa.stderr, '');
    obj = await getJson(kubectl, ['deployment', 'web', '-n', ns]);
    assert.equal(obj.spec.replicas, 3);
    assert.ok(managers(obj).includes('kubectl/Apply'), managers(obj).join());
    assert.ok(!managers(obj).includes('kubectl-client-side-apply/Update'), managers(obj).join());
    assert.deepEqual(obj.spec.template.metadata.labels, { app: 'web' });
    const lastApplied = JSON.parse(obj.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal(lastApplied.spec.replicas, 3, 'the last-applied annotation follows the server-side apply');

    // And back: a client-side apply still works from the updated annotation.
    const back = await kubectl(['apply', '-f', '-'], { stdin: manifests(deployment(ns, 4)) });
    assert.equal(back.code, 0, back.stderr);
    obj = await getJson(kubectl, ['deployment', 'web', '-n', ns]);
    assert.equal(obj.spec.replicas, 4);
  });

  test('ordinary writes record Update managers: kubectl create, label and scale (which then conflicts with apply)', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    assert.equal((await kubectl(['create', 'deployment', 'web', '-n', ns, '--image=busybox:1'])).code, 0);
    assert.equal((await kubectl(['label', 'deployment', 'web', '-n', ns, 'tier=front'])).code, 0);
    const obj = await getJson(kubectl, ['deployment', 'web', '-n', ns]);
    assert.deepEqual(managers(obj), ['kubectl-create/Update', 'kubectl-label/Update']);
    assert.equal((await kubectl(['scale', 'deployment', 'web', '-n', ns, '--replicas=3'])).code, 0);
    const scaled = await getJson(kubectl, ['deployment', 'web', '-n', ns]);
    const scaler = scaled.metadata.managedFields.find((m: any) => m.subresource === 'scale');
    assert.ok(scaler, JSON.stringify(scaled.metadata.managedFields));
    assert.equal(scaler.subresource, 'scale');
    assert.deepEqual(scaler.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    const apply = await kubectl(['apply', '--server-side', '-f', '-'], {
      stdin: manifests({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 1 } }),
    });
    // kubectl scale names no field manager: the server takes "kubectl" from its User-Agent.
    assert.equal(scaler.manager, 'kubectl');
    assert.match(apply.stderr, /conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas/);
    const create = obj.metadata.managedFields[0];
    assert.equal(create.apiVersion, 'apps/v1');
    assert.deepEqual(create.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"busybox"}']['f:image'], {});
    assert.deepEqual(obj.metadata.managedFields[1].fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
  });
});
