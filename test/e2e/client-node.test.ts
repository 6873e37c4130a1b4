/**
 * The official JavaScript client (@kubernetes/client-node 1.x) against our server: list, create,
 * patch (merge and strategic), delete, and a watch that resumes across a server restart without
 * losing or repeating an event.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { freePort, startCluster, waitFor, type Cluster } from './harness.ts';

let cluster: Cluster;
let core: CoreV1Api;
let apps: AppsV1Api;
before(async () => {
  cluster = await startCluster({ port: await freePort() });
  core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
});
after(() => cluster?.stop());

/** The HTTP status of a failed client call (client-node 1.x throws ApiException with `code`). */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (err) {
    return (err as { code: number }).code;
  }
  return 200;
}

describe('client-node CRUD', () => {
  test('create, get, list, delete a ConfigMap', async (t) => {
    const { ns } = await cluster.scope(t);
    const created = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cfg', labels: { app: 'x' } }, data: { k: 'v' } } });
    assert.equal(created.metadata?.name, 'cfg');
    assert.match(created.metadata?.resourceVersion ?? '', /^\d+$/);

    const read = await core.readNamespacedConfigMap({ namespace: ns, name: 'cfg' });
    assert.deepEqual(read.data, { k: 'v' });

    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'other' } } });
    const list = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'app=x' });
    assert.deepEqual(list.items.map((i) => i.metadata?.name), ['cfg']);
    assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/);

    assert.equal(await statusOf(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cfg' } } })), 409);

    const status = await core.deleteNamespacedConfigMap({ namespace: ns, name: 'cfg' });
    assert.ok(status);
    assert.equal(await statusOf(core.readNamespacedConfigMap({ namespace: ns, name: 'cfg' })), 404);
  });

  test('paginated list with limit and continue', async (t) => {
    const { ns } = await cluster.scope(t);
    for (let i = 0; i < 5; i++) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `cm-${i}` } } });
    const first = await core.listNamespacedConfigMap({ namespace: ns, limit: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata?._continue, 'a continue token');
    assert.equal(first.metadata?.remainingItemCount, 3);
    const rest: string[] = [];
    let token: string | undefined = first.metadata?._continue;
    while (token) {
      const page = await core.listNamespacedConfigMap({ namespace: ns, limit: 2, _continue: token });
      rest.push(...page.items.map((i) => i.metadata!.name!));
      token = page.metadata?._continue;
    }
    assert.deepEqual([...first.items.map((i) => i.metadata!.name!), ...rest], ['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4']);
  });

  test('merge patch and strategic merge patch', async (t) => {
    const { ns } = await cluster.scope(t);
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'busybox:1' }] } },
        },
      },
    });
    const strategic = await apps.patchNamespacedDeployment(
      { namespace: ns, name: 'web', body: { spec: { template: { spec: { containers: [{ name: 'a', image: 'nginx:2' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    assert.deepEqual(strategic.spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`), ['a=nginx:2', 'b=busybox:1']);

    const merged = await apps.patchNamespacedDeployment(
      { namespace: ns, name: 'web', body: { metadata: { labels: { tier: 'front' } }, spec: { template: { spec: { containers: [{ name: 'c', image: 'redis:7' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(merged.metadata?.labels?.tier, 'front');
    assert.deepEqual(merged.spec?.template.spec?.containers.map((c) => c.name), ['c']);

    const json = await apps.patchNamespacedDeployment(
      { namespace: ns, name: 'web', body: [{ op: 'replace', path: '/spec/replicas', value: 4 }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    assert.equal(json.spec?.replicas, 4);
  });

  test('Invalid comes back as a 422 Status with causes', async (t) => {
    const { ns } = await cluster.scope(t);
    try {
      await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'x' }, spec: { containers: [{ name: 'c' }] } } });
      assert.fail('created an invalid pod');
    } catch (err) {
      const e = err as { code: number; body: unknown };
      assert.equal(e.code, 422);
      const status = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      assert.equal(status.reason, 'Invalid');
      assert.deepEqual(status.details.causes, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }]);
    }
  });
});

interface SeenEvent {
  type: string;
  name: string;
  resourceVersion: string;
}

/** Watches ConfigMaps in `ns` from `resourceVersion`, recording events until the stream ends. */
async function watchConfigMaps(kc: KubeConfig, ns: string, resourceVersion: string, seen: SeenEvent[]) {
  let ended: ((err: unknown) => void) | undefined;
  const done = new Promise<unknown>((resolve) => (ended = resolve));
  const controller = await new Watch(kc).watch(
    `/api/v1/namespaces/${ns}/configmaps`,
    { resourceVersion, allowWatchBookmarks: false },
    (type, obj: V1ConfigMap) => {
      seen.push({ type, name: obj.metadata!.name!, resourceVersion: obj.metadata!.resourceVersion! });
    },
    (err) => ended!(err),
  );
  return { controller, done };
}

describe('client-node watch', () => {
  test('a watch from a resourceVersion replays what came after it, then follows', async (t) => {
    const { ns } = await cluster.scope(t);
    const first = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'b' } } });
    const seen: SeenEvent[] = [];
    const { controller } = await watchConfigMaps(cluster.kubeConfig, ns, first.metadata!.resourceVersion!, seen);
    t.after(() => controller.abort());
    await core.patchNamespacedConfigMap({ namespace: ns, name: 'a', body: { data: { k: 'v' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'b' });
    await waitFor(() => seen.length >= 3, { message: () => JSON.stringify(seen) });
    assert.deepEqual(seen.map((e) => `${e.type} ${e.name}`), ['ADDED b', 'MODIFIED a', 'DELETED b']);
  });

  test('a watch with timeoutSeconds ends by itself', async (t) => {
    const { ns } = await cluster.scope(t);
    const seen: SeenEvent[] = [];
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    let ended = false;
    const controller = await new Watch(cluster.kubeConfig).watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { resourceVersion: list.metadata!.resourceVersion!, timeoutSeconds: 1 },
      (type, obj: V1ConfigMap) => seen.push({ type, name: obj.metadata!.name!, resourceVersion: obj.metadata!.resourceVersion! }),
      () => (ended = true),
    );
    t.after(() => controller.abort());
    await waitFor(() => ended, { timeoutMs: 10_000, message: () => 'the watch outlived its timeoutSeconds' });
    assert.deepEqual(seen, []);
  });

  test('resumes after a server restart with no event lost or repeated', async (t) => {
    const { ns } = await cluster.scope(t);
    const start = await core.listNamespacedConfigMap({ namespace: ns });
    const seen: SeenEvent[] = [];

    const first = await watchConfigMaps(cluster.kubeConfig, ns, start.metadata!.resourceVersion!, seen);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before-1' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before-2' } } });
    await waitFor(() => seen.length >= 1, { message: () => JSON.stringify(seen) });
    // before-2 may or may not have reached the watch when the server goes down: resuming from the
    // last event seen must deliver it exactly once either way.
    await core.patchNamespacedConfigMap({ namespace: ns, name: 'before-1', body: { data: { k: '1' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

    await cluster.controlPlane.stop();
    let firstEnded = false;
    void first.done.then(() => (firstEnded = true));
    await waitFor(() => firstEnded, { message: () => 'the watch did not end when the server stopped' });
    const lastSeen = seen[seen.length - 1].resourceVersion;

    await cluster.restart();
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const client = kc.makeApiClient(CoreV1Api);
    await client.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after-restart' } } });

    const second = await watchConfigMaps(kc, ns, lastSeen, seen);
    t.after(() => second.controller.abort());
    await client.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after-watch' } } });
    await client.deleteNamespacedConfigMap({ namespace: ns, name: 'before-2' });

    await waitFor(() => seen.some((e) => e.type === 'DELETED'), { timeoutMs: 15_000, message: () => JSON.stringify(seen) });
    assert.deepEqual(seen.map((e) => `${e.type} ${e.name}`), [
      'ADDED before-1',
      'ADDED before-2',
      'MODIFIED before-1',
      'ADDED after-restart',
      'ADDED after-watch',
      'DELETED before-2',
    ]);
    const versions = seen.map((e) => Number(e.resourceVersion));
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b), 'resourceVersions only grow');
  });
});
