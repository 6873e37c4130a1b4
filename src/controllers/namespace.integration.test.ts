import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ConfigMap, Namespace, Pod, Service } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { isNotFound, type RestClient } from '../client/index.ts';
import { endpointsController } from './endpoints.ts';
import { endpointSliceController } from './endpointslice.ts';
import { namespaceController } from './namespace.ts';
import { startControllers } from './test-harness.test-support.ts';

const namespaces = findResource('', 'v1', 'namespaces')!;
const configmaps = findResource('', 'v1', 'configmaps')!;
const services = findResource('', 'v1', 'services')!;
const pods = findResource('', 'v1', 'pods')!;
const endpoints = findResource('', 'v1', 'endpoints')!;
const deployments = findResource('apps', 'v1', 'deployments')!;

const pod = (namespace: string, name: string, spec: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name, namespace, labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec },
});

async function exists(client: RestClient, r: typeof pods, namespace: string | undefined, name: string): Promise<boolean> {
  try {
    await client.get(r, namespace, name);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

describe('Namespace controller against a real API server', () => {
  let cluster: TestCluster;
  let stopControllers: () => Promise<void>;
  let cacheDir: string;
  before(async () => {
    cluster = await startTestCluster();
    cacheDir = await mkdtemp(join(tmpdir(), 'skiff-kubectl-cache-'));
    const running = await startControllers(cluster.plane.kubeconfigPath, [namespaceController, endpointsController, endpointSliceController]);
    stopControllers = running.stop;
  });
  after(async () => {
    await stopControllers?.();
    await cluster?.cleanup();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  test('kubectl delete namespace removes its contents, then the namespace, and kubectl --wait returns', async () => {
    const c = cluster.client;
    await c.create<Namespace>(namespaces, { metadata: { name: 'shop' } });
    await c.create<ConfigMap>(configmaps, { metadata: { name: 'settings', namespace: 'shop' }, data: { a: '1' } });
    await c.create<Service>(services, { metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    await c.create(pods, pod('shop', 'unbound'));
    // A pod on a node gets a grace period: the test plays its kubelet and finishes the deletion.
    await c.create(pods, pod('shop', 'bound', { nodeName: 'node-a', terminationGracePeriodSeconds: 1 }));
    await c.create(deployments, {
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } } },
    });
    await waitFor('the Endpoints of web', () => exists(c, endpoints, 'shop', 'web'));

    let kubeletDone = false;
    const kubelet = (async () => {
      while (!kubeletDone) {
        const p = await c.get<Pod>(pods, 'shop', 'bound').catch(() => undefined);
        if (!p) return;
        if (p.metadata?.deletionTimestamp) await c.delete(pods, 'shop', 'bound', { gracePeriodSeconds: 0 }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const { stdout } = await promisify(execFile)(
      '/usr/bin/kubectl',
      ['--kubeconfig', cluster.plane.kubeconfigPath, '--cache-dir', cacheDir, 'delete', 'namespace', 'shop', '--timeout=20s'],
      { timeout: 25_000 },
    );
    kubeletDone = true;
    await kubelet;
    assert.match(stdout, /namespace "shop" deleted/);
    assert.equal(await exists(c, namespaces, undefined, 'shop'), false, 'the namespace is gone once kubectl returns');
    for (const [r, name] of [[configmaps, 'settings'], [services, 'web'], [pods, 'unbound'], [pods, 'bound'], [deployments, 'web'], [endpoints, 'web']] as const) {
      assert.equal(await exists(c, r, 'shop', name), false, `${r.plural}/${name} is gone`);
    }
  });

  test('content held by a finalizer keeps the namespace Terminating, with conditions saying why, until it goes', async () => {
    const c = cluster.client;
    await c.create<Namespace>(namespaces, { metadata: { name: 'held' } });
    await c.create<ConfigMap>(configmaps, { metadata: { name: 'precious', namespace: 'held', finalizers: ['example.com/hold'] } });
    await c.delete(namespaces, undefined, 'held');

    let ns: Namespace | undefined;
    await waitFor('the conditions to name the finalizer', async () => {
      ns = await c.get<Namespace>(namespaces, undefined, 'held');
      return !!ns.status?.conditions?.some((x) => x.type === 'NamespaceFinalizersRemaining' && x.status === 'True');
    });
    assert.equal(ns!.status?.phase, 'Terminating');
    const byType = Object.fromEntries((ns!.status?.conditions ?? []).map((x) => [x.type, x]));
    assert.equal(byType.NamespaceFinalizersRemaining.reason, 'SomeFinalizersRemain');
    assert.match(byType.NamespaceFinalizersRemaining.message ?? '', /example\.com\/hold in 1 resource instances/);
    assert.equal(byType.NamespaceContentRemaining.reason, 'SomeResourcesRemain');
    assert.match(byType.NamespaceContentRemaining.message ?? '', /configmaps\. has 1 resource instances/);
    assert.equal(byType.NamespaceDeletionContentFailure.status, 'False');
    assert.deepEqual(ns!.spec?.finalizers, ['kubernetes']);

    await c.patch(configmaps, 'held', 'precious', { metadata: { finalizers: null } }, 'merge');
    await waitFor('the namespace to go', async () => !(await exists(c, namespaces, undefined, 'held')));
  });
});
