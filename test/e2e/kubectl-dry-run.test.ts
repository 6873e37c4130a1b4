/**
 * `--dry-run=server` with the real kubectl: create, apply (client- and server-side), patch,
 * delete and scale are validated and defaulted by the server and store nothing; `kubectl diff`
 * shows what an apply would change.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { manifests, startCluster, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

function deployment(ns: string, replicas: number, image = 'busybox:1'): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

async function replicas(kubectl: Kubectl, ns: string): Promise<number> {
  const r = await kubectl(['get', 'deployment', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}']);
  assert.equal(r.code, 0, r.stderr);
  return Number(r.stdout);
}

async function ok(kubectl: Kubectl, args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(args, { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('kubectl --dry-run=server', () => {
  test('create and apply of a new object: defaulted answer, nothing stored', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const out = await ok(kubectl, ['create', '--dry-run=server', '-f', '-', '-o', 'json'], manifests(deployment(ns, 2)));
    const answered = JSON.parse(out);
    assert.equal(answered.spec.strategy.type, 'RollingUpdate');
    assert.equal(answered.spec.template.spec.containers[0].terminationMessagePath, '/dev/termination-log');
    assert.equal(answered.metadata.resourceVersion, undefined);

    assert.equal(await ok(kubectl, ['apply', '--dry-run=server', '-f', '-'], manifests(deployment(ns, 2))), 'deployment.apps/web created (server dry run)\n');
    assert.equal(
      await ok(kubectl, ['apply', '--server-side', '--dry-run=server', '-f', '-'], manifests(deployment(ns, 2))),
      'deployment.apps/web serverside-applied (server dry run)\n',
    );
    const imperative = await ok(kubectl, ['create', 'deployment', 'other', '-n', ns, '--image=busybox:1', '--dry-run=server']);
    assert.equal(imperative, 'deployment.apps/other created (server dry run)\n');

    const get = await kubectl(['get', 'deployments', '-n', ns, '-o', 'name']);
    assert.equal(get.stdout, '');
  });

  test('an invalid object is refused by a server dry run', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const r = await kubectl(['create', '--dry-run=server', '-f', '-'], { stdin: manifests(deployment(ns, -1)) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.replicas: Invalid value: -1/);
  });

  test('apply, patch, scale and delete of an existing object change nothing', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await ok(kubectl, ['apply', '-f', '-'], manifests(deployment(ns, 1)));
    await ok(kubectl, ['apply', '--dry-run=server', '-f', '-'], manifests(deployment(ns, 4)));
    await ok(kubectl, ['apply', '--server-side', '--force-conflicts', '--dry-run=server', '-f', '-'], manifests(deployment(ns, 4)));
    const patched = await ok(kubectl, ['patch', 'deployment', 'web', '-n', ns, '--dry-run=server', '-p', '{"spec":{"replicas":6}}', '-o', 'jsonpath={.spec.replicas}']);
    assert.equal(patched, '6', 'the dry run answers with the patched object');
    assert.equal(await ok(kubectl, ['scale', 'deployment', 'web', '-n', ns, '--replicas=7', '--dry-run=server']), 'deployment.apps/web scaled (server dry run)\n');
    assert.equal(await replicas(kubectl, ns), 1);
    assert.equal(await ok(kubectl, ['delete', 'deployment', 'web', '-n', ns, '--dry-run=server']), 'deployment.apps "web" deleted (server dry run)\n');
    assert.equal(await replicas(kubectl, ns), 1);
  });

  test('kubectl diff shows the change an apply would make', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await ok(kubectl, ['apply', '-f', '-'], manifests(deployment(ns, 1)));
    const same = await kubectl(['diff', '-f', '-'], { stdin: manifests(deployment(ns, 1)) });
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.stdout, '');
    const changed = await kubectl(['diff', '-f', '-'], { stdin: manifests(deployment(ns, 3, 'busybox:2')) });
    assert.equal(changed.code, 1, changed.stderr);
    assert.match(changed.stdout, /^-  replicas: 1$/m);
    assert.match(changed.stdout, /^\+  replicas: 3$/m);
    assert.match(changed.stdout, /^\+ +- image: busybox:2$/m);
    const serverSide = await kubectl(['diff', '--server-side', '-f', '-'], { stdin: manifests(deployment(ns, 3)) });
    assert.equal(serverSide.code, 1, serverSide.stderr);
    assert.match(serverSide.stdout, /^\+  replicas: 3$/m);
    assert.equal(await replicas(kubectl, ns), 1);
  });
});
