/**
 * `kubectl describe` for the kinds people describe most: it reads the object, related objects
 * (events by field selector, replica sets by label selector) and prints upstream's layout.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deploymentManifest, startCluster, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

async function create(kubectl: Kubectl, ns: string, object: object): Promise<void> {
  const r = await kubectl(['create', '-n', ns, '-f', '-'], { stdin: JSON.stringify(object) });
  assert.equal(r.code, 0, r.stderr);
}

describe('kubectl describe', () => {
  test('pod', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { containers: [{ name: 'main', image: 'busybox:1.36', ports: [{ containerPort: 8080 }] }] },
    });
    const out = await kubectl(['describe', 'pod', 'web', '-n', ns]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^Name:\s+web$/m);
    assert.match(out.stdout, new RegExp(`^Namespace:\\s+${ns}$`, 'm'));
    assert.match(out.stdout, /^Node:\s+<none>$/m);
    assert.match(out.stdout, /^Labels:\s+app=web$/m);
    assert.match(out.stdout, /^Status:\s+Pending$/m);
    assert.match(out.stdout, /^Containers:\n {2}main:\n {4}Image:\s+busybox:1\.36\n {4}Port:\s+8080\/TCP$/m);
    assert.match(out.stdout, /^QoS Class:\s+BestEffort$/m);
    assert.match(out.stdout, /^Events:\s+<none>$/m);
  });

  test('pod events found by field selector', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'noisy' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const uid = (await kubectl(['get', 'pod', 'noisy', '-n', ns, '-o', 'jsonpath={.metadata.uid}'])).stdout;
    await create(kubectl, ns, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'noisy.1' },
      involvedObject: { kind: 'Pod', namespace: ns, name: 'noisy', uid, apiVersion: 'v1' },
      reason: 'Scheduled',
      message: 'Successfully assigned somewhere',
      type: 'Normal',
      source: { component: 'default-scheduler' },
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
      count: 1,
    });
    const out = await kubectl(['describe', 'pod', 'noisy', '-n', ns]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^ {2}Type\s+Reason\s+Age\s+From\s+Message$/m);
    assert.match(out.stdout, /^ {2}Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned somewhere$/m);
  });

  test('deployment, with the defaulted strategy', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, deploymentManifest('web', 'nginx:1.27', 2));
    const out = await kubectl(['describe', 'deployment', 'web', '-n', ns]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^Name:\s+web$/m);
    assert.match(out.stdout, /^Selector:\s+app=web$/m);
    assert.match(out.stdout, /^Replicas:\s+2 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m);
    assert.match(out.stdout, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(out.stdout, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
    assert.match(out.stdout, /^Pod Template:\n {2}Labels:\s+app=web\n {2}Containers:\n {3}nginx:\n {4}Image:\s+nginx:1\.27$/m);
  });

  test('service, with its allocated IP', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await create(kubectl, ns, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const out = await kubectl(['describe', 'service', 'web', '-n', ns]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^Selector:\s+app=web$/m);
    assert.match(out.stdout, /^Type:\s+ClusterIP$/m);
    assert.match(out.stdout, /^IP:\s+10\.43\.\d+\.\d+$/m);
    assert.match(out.stdout, /^Port:\s+<unset>\s+80\/TCP$/m);
    assert.match(out.stdout, /^TargetPort:\s+8080\/TCP$/m);
    assert.match(out.stdout, /^Session Affinity:\s+None$/m);
  });

  test('a missing object is NotFound', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const out = await kubectl(['describe', 'pod', 'nope', '-n', ns]);
    assert.equal(out.code, 1);
    assert.equal(out.stderr, 'Error from server (NotFound): pods "nope" not found\n');
  });
});
