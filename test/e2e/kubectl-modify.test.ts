/**
 * Changing objects with kubectl: label, annotate, patch (strategic, merge, json), edit through a
 * scripted editor, replace, and scale through the scale subresource.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

async function create(kubectl: Kubectl, ns: string, object: object): Promise<void> {
  const r = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: JSON.stringify(object) });
  assert.equal(r.code, 0, r.stderr);
}

async function getJson(kubectl: Kubectl, ns: string, what: string): Promise<any> {
  const r = await kubectl(['get', what, '-n', ns, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function deployment(name: string, replicas = 1): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }] },
            { name: 'sidecar', image: 'busybox:1.36' },
          ],
        },
      },
    },
  };
}

const configMap = (name: string, data: Record<string, string> = { k: 'v1' }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

describe('kubectl label and annotate', () => {
  test('label adds, refuses to overwrite without --overwrite, overwrites, removes', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, configMap('target'));

    const added = await kubectl(['label', 'cm', 'target', '-n', ns, 'env=dev']);
    assert.equal(added.stdout, 'configmap/target labeled\n', added.stderr);

    const refused = await kubectl(['label', 'cm', 'target', '-n', ns, 'env=prod']);
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr, "error: 'env' already has a value (dev), and --overwrite is false\n");

    const overwritten = await kubectl(['label', 'cm', 'target', '-n', ns, 'env=prod', '--overwrite']);
    assert.equal(overwritten.stdout, 'configmap/target labeled\n', overwritten.stderr);
    assert.deepEqual((await getJson(kubectl, ns, 'cm/target')).metadata.labels, { env: 'prod' });

    const removed = await kubectl(['label', 'cm', 'target', '-n', ns, 'env-']);
    assert.equal(removed.stdout, 'configmap/target unlabeled\n', removed.stderr);
    assert.equal((await getJson(kubectl, ns, 'cm/target')).metadata.labels, undefined);
  });

  test('an invalid label value sent by patch is rejected by the server with the cause', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, configMap('target'));
    const bad = await kubectl(['patch', 'cm', 'target', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"env":"-bad-"}}}']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /^The ConfigMap "target" is invalid: metadata\.labels: Invalid value: "-bad-": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '\.', and must start and end with an alphanumeric character/m);
  });

  test('annotate adds, refuses to overwrite without --overwrite, overwrites, removes', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, configMap('target'));
    const added = await kubectl(['annotate', 'cm', 'target', '-n', ns, 'owner=team-a']);
    assert.equal(added.stdout, 'configmap/target annotated\n', added.stderr);

    const refused = await kubectl(['annotate', 'cm', 'target', '-n', ns, 'owner=team-b']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /--overwrite is false but found the following declared annotation\(s\): 'owner' already has a value \(team-a\)/);

    const overwritten = await kubectl(['annotate', 'cm', 'target', '-n', ns, 'owner=team-b', '--overwrite']);
    assert.equal(overwritten.stdout, 'configmap/target annotated\n', overwritten.stderr);
    assert.equal((await getJson(kubectl, ns, 'cm/target')).metadata.annotations.owner, 'team-b');

    const removed = await kubectl(['annotate', 'cm', 'target', '-n', ns, 'owner-']);
    assert.equal(removed.stdout, 'configmap/target annotated\n', removed.stderr);
    assert.equal((await getJson(kubectl, ns, 'cm/target')).metadata.annotations?.owner, undefined);
  });

  test('label -l labels every match', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    for (const n of ['one', 'two']) await create(kubectl, ns, { ...configMap(n), metadata: { name: n, labels: { group: 'g' } } });
    await create(kubectl, ns, configMap('three'));
    const labelled = await kubectl(['label', 'cm', '-n', ns, '-l', 'group=g', 'picked=yes']);
    assert.equal(labelled.stdout, 'configmap/one labeled\nconfigmap/two labeled\n', labelled.stderr);
    const picked = await kubectl(['get', 'cm', '-n', ns, '-l', 'picked=yes', '-o', 'name']);
    assert.equal(picked.stdout, 'configmap/one\nconfigmap/two\n');
  });
});

describe('kubectl patch', () => {
  test('strategic merge patch merges containers by name', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, deployment('web'));
    const patched = await kubectl(['patch', 'deploy', 'web', '-n', ns, '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}']);
    assert.equal(patched.stdout, 'deployment.apps/web patched\n', patched.stderr);
    const containers = (await getJson(kubectl, ns, 'deploy/web')).spec.template.spec.containers;
    assert.deepEqual(containers.map((c: any) => [c.name, c.image]), [['app', 'nginx:1.28'], ['sidecar', 'busybox:1.36']]);
    assert.deepEqual(containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
  });

  test('strategic merge patch honours $patch: delete', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, deployment('web'));
    const patched = await kubectl(['patch', 'deploy', 'web', '-n', ns, '--type=strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}']);
    assert.equal(patched.code, 0, patched.stderr);
    const containers = (await getJson(kubectl, ns, 'deploy/web')).spec.template.spec.containers;
    assert.deepEqual(containers.map((c: any) => c.name), ['app']);
  });

  test('merge patch replaces lists and null deletes a key', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, deployment('web'));
    const patched = await kubectl(['patch', 'deploy', 'web', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"x":"1"}},"spec":{"template":{"spec":{"containers":[{"name":"only","image":"redis:7"}]}}}}']);
    assert.equal(patched.stdout, 'deployment.apps/web patched\n', patched.stderr);
    const obj = await getJson(kubectl, ns, 'deploy/web');
    assert.deepEqual(obj.spec.template.spec.containers.map((c: any) => c.name), ['only']);
    assert.equal(obj.metadata.labels.x, '1');
    const removed = await kubectl(['patch', 'deploy', 'web', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"x":null}}}']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await getJson(kubectl, ns, 'deploy/web')).metadata.labels?.x, undefined);
  });

  test('json patch applies operations in order; a failed test op changes nothing', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, configMap('cfg', { a: '1', b: '2' }));
    const patched = await kubectl(['patch', 'cm', 'cfg', '-n', ns, '--type=json', '-p', '[{"op":"replace","path":"/data/a","value":"10"},{"op":"remove","path":"/data/b"},{"op":"add","path":"/data/c","value":"3"}]']);
    assert.equal(patched.stdout, 'configmap/cfg patched\n', patched.stderr);
    assert.deepEqual((await getJson(kubectl, ns, 'cm/cfg')).data, { a: '10', c: '3' });

    const failed = await kubectl(['patch', 'cm', 'cfg', '-n', ns, '--type=json', '-p', '[{"op":"replace","path":"/data/a","value":"99"},{"op":"test","path":"/data/c","value":"wrong"}]']);
    assert.notEqual(failed.code, 0);
    assert.equal(failed.stderr, 'The request is invalid: : testing value /data/c failed: test failed\n');
    assert.deepEqual((await getJson(kubectl, ns, 'cm/cfg')).data, { a: '10', c: '3' });
  });

  test('a patch that changes nothing says so and keeps the resourceVersion', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, configMap('same', { k: 'v' }));
    const before = (await getJson(kubectl, ns, 'cm/same')).metadata.resourceVersion;
    const patched = await kubectl(['patch', 'cm', 'same', '-n', ns, '--type=merge', '-p', '{"data":{"k":"v"}}']);
    assert.equal(patched.stdout, 'configmap/same patched (no change)\n', patched.stderr);
    assert.equal((await getJson(kubectl, ns, 'cm/same')).metadata.resourceVersion, before);
  });

  test('patching a missing object is NotFound', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const missing = await kubectl(['patch', 'cm', 'ghost', '-n', ns, '--type=merge', '-p', '{"data":{"k":"v"}}']);
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stderr, 'Error from server (NotFound): configmaps "ghost" not found\n');
  });
});

describe('kubectl edit', () => {
  test('a scripted EDITOR edits the object', async (t) => {
    const { ns, kubectl, writeFile } = await cluster.scope(t);
    await create(kubectl, ns, configMap('editme', { colour: 'blue' }));
    const editor = await writeFile('editor.sh', '#!/bin/sh\nsed -i "s/colour: blue/colour: green/" "$1"\n', 0o755);
    const edited = await kubectl(['edit', 'cm', 'editme', '-n', ns], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    assert.equal(edited.stdout, 'configmap/editme edited\n', edited.stderr);
    assert.equal((await getJson(kubectl, ns, 'cm/editme')).data.colour, 'green');
  });

  test('an editor that changes nothing cancels the edit', async (t) => {
    const { ns, kubectl, writeFile } = await cluster.scope(t);
    await create(kubectl, ns, configMap('untouched'));
    const editor = await writeFile('noop.sh', '#!/bin/sh\ntrue\n', 0o755);
    const edited = await kubectl(['edit', 'cm', 'untouched', '-n', ns], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(edited.stderr, /Edit cancelled, no changes made\./);
  });

  test('an edit the server rejects is reported and nothing changes', async (t) => {
    const { ns, kubectl, writeFile } = await cluster.scope(t);
    await create(kubectl, ns, deployment('web'));
    const editor = await writeFile('bad.sh', '#!/bin/sh\nsed -i "s/image: nginx:1.27/image: \\"\\"/" "$1"\n', 0o755);
    const edited = await kubectl(['edit', 'deploy', 'web', '-n', ns], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    assert.notEqual(edited.code, 0);
    assert.match(edited.stderr, /deployments\.apps "web" is invalid/);
    assert.equal((await getJson(kubectl, ns, 'deploy/web')).spec.template.spec.containers[0].image, 'nginx:1.27');
  });
});

describe('kubectl replace', () => {
  test('replaces an object from a file', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, configMap('swap', { a: '1' }));
    const replaced = await kubectl(['replace', '-n', ns, '-f', '-'], { stdin: JSON.stringify(configMap('swap', { b: '2' })) });
    assert.equal(replaced.stdout, 'configmap/swap replaced\n', replaced.stderr);
    assert.deepEqual((await getJson(kubectl, ns, 'cm/swap')).data, { b: '2' });
  });

  test('replacing a missing object is NotFound', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const missing = await kubectl(['replace', '-n', ns, '-f', '-'], { stdin: JSON.stringify(configMap('nothere')) });
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stderr, 'Error from server (NotFound): error when replacing "STDIN": configmaps "nothere" not found\n');
  });

  test('replacing a Service without clusterIP or nodePort keeps the allocated ones', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'keep' }, spec: { type: 'NodePort', selector: { app: 'a' }, ports: [{ port: 80 }] } };
    await create(kubectl, ns, service);
    const before = await getJson(kubectl, ns, 'svc/keep');
    const replaced = await kubectl(['replace', '-n', ns, '-f', '-'], {
      stdin: JSON.stringify({ ...service, spec: { ...service.spec, selector: { app: 'b' } } }),
    });
    assert.equal(replaced.stdout, 'service/keep replaced\n', replaced.stderr);
    const after = await getJson(kubectl, ns, 'svc/keep');
    assert.equal(after.spec.selector.app, 'b');
    assert.equal(after.spec.clusterIP, before.spec.clusterIP);
    assert.deepEqual(after.spec.clusterIPs, before.spec.clusterIPs);
    assert.equal(after.spec.ports[0].nodePort, before.spec.ports[0].nodePort);
  });
});

describe('kubectl scale', () => {
  test('scales a deployment, replicaset, replication controller and statefulset', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const template = { metadata: { labels: { app: 's' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    await create(kubectl, ns, deployment('d'));
    await create(kubectl, ns, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r' }, spec: { replicas: 1, selector: { matchLabels: { app: 's' } }, template } });
    await create(kubectl, ns, { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { replicas: 1, selector: { app: 's' }, template } });
    await create(kubectl, ns, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'st' }, spec: { replicas: 1, serviceName: 'st', selector: { matchLabels: { app: 's' } }, template } });

    const cases: [string, string][] = [
      ['deploy/d', 'deployment.apps/d scaled\n'],
      ['rs/r', 'replicaset.apps/r scaled\n'],
      ['rc/rc', 'replicationcontroller/rc scaled\n'],
      ['sts/st', 'statefulset.apps/st scaled\n'],
    ];
    for (const [what, printed] of cases) {
      const scaled = await kubectl(['scale', what, '-n', ns, '--replicas=3']);
      assert.equal(scaled.stdout, printed, scaled.stderr);
      assert.equal((await getJson(kubectl, ns, what)).spec.replicas, 3, what);
    }
  });

  test('--current-replicas that does not match fails and changes nothing', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, deployment('d', 2));
    const refused = await kubectl(['scale', 'deploy/d', '-n', ns, '--current-replicas=5', '--replicas=3']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Expected replicas to be 5, was 2/);
    assert.equal((await getJson(kubectl, ns, 'deploy/d')).spec.replicas, 2);

    const accepted = await kubectl(['scale', 'deploy/d', '-n', ns, '--current-replicas=2', '--replicas=4']);
    assert.equal(accepted.stdout, 'deployment.apps/d scaled\n', accepted.stderr);
    assert.equal((await getJson(kubectl, ns, 'deploy/d')).spec.replicas, 4);
  });

  test('the scale subresource reads as autoscaling/v1 Scale', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, deployment('d', 2));
    const scale = await kubectl(['get', '--raw', `/apis/apps/v1/namespaces/${ns}/deployments/d/scale`]);
    assert.equal(scale.code, 0, scale.stderr);
    const obj = JSON.parse(scale.stdout);
    assert.equal(obj.kind, 'Scale');
    assert.equal(obj.apiVersion, 'autoscaling/v1');
    assert.equal(obj.spec.replicas, 2);
    assert.equal(obj.status.selector, 'app=d');
  });
});
