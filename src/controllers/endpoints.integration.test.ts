import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { isNotFound, type RestClient } from '../client/index.ts';
import { endpointsController } from './endpoints.ts';
import { endpointSliceController } from './endpointslice.ts';
import { startControllers } from './test-harness.test-support.ts';

const pods = findResource('', 'v1', 'pods')!;
const services = findResource('', 'v1', 'services')!;
const endpoints = findResource('', 'v1', 'endpoints')!;
const slices = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

function pod(name: string, webPort: number, nodeName = 'node-a'): Pod {
  return {
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { nodeName, containers: [{ name: 'app', image: 'busybox', ports: [{ name: 'web', containerPort: webPort }] }] },
  };
}

/** Plays the kubelet: reports the pod's IP and readiness through the status subresource. */
async function setStatus(client: RestClient, name: string, ip: string, ready: boolean): Promise<void> {
  const status = {
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
  };
  await client.patchStatus(pods, 'default', name, { status }, 'merge');
}

async function tryGet<T extends object>(client: RestClient, r: typeof pods, name: string): Promise<T | undefined> {
  try {
    return await client.get<T>(r, 'default', name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** ip → port numbers, for ready and not-ready addresses. */
function summarize(ep: Endpoints | undefined) {
  const ready: Record<string, number[]> = {};
  const notReady: Record<string, number[]> = {};
  for (const s of ep?.subsets ?? []) {
    const ports = (s.ports ?? []).map((p) => p.port).sort();
    for (const a of s.addresses ?? []) ready[a.ip] = [...(ready[a.ip] ?? []), ...ports];
    for (const a of s.notReadyAddresses ?? []) notReady[a.ip] = [...(notReady[a.ip] ?? []), ...ports];
  }
  return { ready, notReady };
}

/** ip → [ready, port] over every slice of the Service that our controller manages. */
async function sliceView(client: RestClient, service: string) {
  const list = await client.list<EndpointSlice>(slices, 'default', {
    labelSelector: `kubernetes.io/service-name=${service},endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io`,
  });
  const view: Record<string, [boolean | undefined, number | undefined]> = {};
  for (const s of list.items) for (const e of s.endpoints ?? []) view[e.addresses[0]] = [e.conditions?.ready, s.ports?.[0]?.port];
  return { view, slices: list.items };
}

describe('Endpoints and EndpointSlice controllers against a real API server', () => {
  let cluster: TestCluster;
  let stopControllers: () => Promise<void>;
  let cacheDir: string;
  before(async () => {
    cluster = await startTestCluster();
    cacheDir = await mkdtemp(join(tmpdir(), 'skiff-kubectl-cache-'));
    const running = await startControllers(cluster.plane.kubeconfigPath, [endpointsController, endpointSliceController]);
    stopControllers = running.stop;
  });
  after(async () => {
    await stopControllers?.();
    await cluster?.cleanup();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  test('addresses follow readiness, named ports resolve per pod, and everything goes with the Service', async () => {
    const c = cluster.client;
    await c.create<Service>(services, {
      metadata: { name: 'web', namespace: 'default', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] },
    });
    await c.create(pods, pod('a', 8080));
    await c.create(pods, pod('b', 8081));
    await c.create(pods, { ...pod('pending', 8082), spec: { ...pod('pending', 8082).spec!, nodeName: undefined } });
    await setStatus(c, 'a', '10.42.0.5', false);
    await setStatus(c, 'b', '10.42.0.6', false);

    let ep: Endpoints | undefined;
    await waitFor('both pods as not-ready addresses, each with its own port', async () => {
      ep = await tryGet<Endpoints>(c, endpoints, 'web');
      return isDeepStrictEqual(summarize(ep), { ready: {}, notReady: { '10.42.0.5': [8080], '10.42.0.6': [8081] } });
    });
    assert.equal(ep!.metadata?.labels?.tier, 'front', 'labelled like the Service');
    assert.ok(ep!.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
    const addressA = ep!.subsets!.flatMap((s) => s.notReadyAddresses ?? []).find((a) => a.ip === '10.42.0.5')!;
    assert.equal(addressA.nodeName, 'node-a');
    assert.equal(addressA.targetRef?.kind, 'Pod');
    assert.equal(addressA.targetRef?.name, 'a');

    await waitFor('one slice with both endpoints not ready', async () => {
      const { view } = await sliceView(c, 'web');
      return isDeepStrictEqual(view, { '10.42.0.5': [false, 8080], '10.42.0.6': [false, 8081] });
    });

    await setStatus(c, 'a', '10.42.0.5', true);
    await waitFor('a to move to the ready addresses', async () => {
      const s = summarize(await tryGet<Endpoints>(c, endpoints, 'web'));
      return isDeepStrictEqual(s, { ready: { '10.42.0.5': [8080] }, notReady: { '10.42.0.6': [8081] } });
    });
    await waitFor('a ready in its slice', async () => (await sliceView(c, 'web')).view['10.42.0.5']?.[0] === true);
    const { stdout } = await promisify(execFile)(
      '/usr/bin/kubectl',
      ['--kubeconfig', cluster.plane.kubeconfigPath, '--cache-dir', cacheDir, 'get', 'endpoints', 'web', '--no-headers'],
      { timeout: 20_000 },
    );
    assert.match(stdout, /^web\s+10\.42\.0\.5:8080\s/, 'kubectl shows the ready address');

    await setStatus(c, 'a', '10.42.0.5', false);
    await waitFor('a to move back to the not-ready addresses', async () => {
      const s = summarize(await tryGet<Endpoints>(c, endpoints, 'web'));
      return isDeepStrictEqual(s, { ready: {}, notReady: { '10.42.0.5': [8080], '10.42.0.6': [8081] } });
    });
    await waitFor('a not ready in its slice', async () => (await sliceView(c, 'web')).view['10.42.0.5']?.[0] === false);

    const { slices: before } = await sliceView(c, 'web');
    const slice = before.find((s) => s.ports?.[0]?.port === 8080)!;
    assert.match(slice.metadata!.name!, /^web-[a-z0-9]{5}$/);
    assert.equal(slice.addressType, 'IPv4');
    assert.equal(slice.metadata?.ownerReferences?.[0]?.kind, 'Service');
    assert.equal(slice.metadata?.ownerReferences?.[0]?.name, 'web');
    assert.equal(slice.endpoints[0].targetRef?.name, 'a');
    assert.equal(slice.endpoints[0].nodeName, 'node-a');
    assert.deepEqual(slice.endpoints[0].conditions, { ready: false, serving: false, terminating: false });

    await c.delete(pods, 'default', 'b', { gracePeriodSeconds: 0 });
    await waitFor('b to leave the Endpoints and the slices', async () => {
      const s = summarize(await tryGet<Endpoints>(c, endpoints, 'web'));
      const { view } = await sliceView(c, 'web');
      return isDeepStrictEqual(s.notReady, { '10.42.0.5': [8080] }) && isDeepStrictEqual(view, { '10.42.0.5': [false, 8080] });
    });
    const { slices: after } = await sliceView(c, 'web');
    assert.ok(
      after.some((s) => s.metadata?.uid === slice.metadata?.uid),
      'the slice of pod a was updated in place, not replaced',
    );

    await c.delete(services, 'default', 'web');
    await waitFor('the Endpoints and slices to go with the Service', async () => {
      return !(await tryGet(c, endpoints, 'web')) && (await sliceView(c, 'web')).slices.length === 0;
    });
  });

  test('a Service without a selector keeps the Endpoints its user writes; one that loses its selector loses ours', async () => {
    const c = cluster.client;
    await c.create<Service>(services, { metadata: { name: 'external', namespace: 'default' }, spec: { ports: [{ port: 5432 }] } });
    await c.create<Endpoints>(endpoints, {
      metadata: { name: 'external', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    await c.create<Service>(services, { metadata: { name: 'db', namespace: 'default' }, spec: { selector: { app: 'db' }, ports: [{ port: 5432 }] } });
    await waitFor('the Endpoints of db', async () => !!(await tryGet(c, endpoints, 'db')));
    await c.patch(services, 'default', 'db', [{ op: 'remove', path: '/spec/selector' }], 'json');
    await waitFor('the Endpoints of db to go', async () => !(await tryGet(c, endpoints, 'db')));
    await waitFor('the slices of db to go', async () => (await sliceView(c, 'db')).slices.length === 0);

    const external = await tryGet<Endpoints>(c, endpoints, 'external');
    assert.equal(external?.subsets?.[0]?.addresses?.[0]?.ip, '192.0.2.10', 'user-managed Endpoints are left alone');
    const kubernetes = await tryGet<Endpoints>(c, endpoints, 'kubernetes');
    assert.ok(kubernetes?.subsets?.length, "the API server's own Endpoints are left alone");
  });

  test('a Service with no ready pods has one empty placeholder slice', async () => {
    const c = cluster.client;
    await c.create<Service>(services, { metadata: { name: 'empty', namespace: 'default' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } });
    await waitFor('the placeholder slice', async () => (await sliceView(c, 'empty')).slices.length === 1);
    const { slices: list } = await sliceView(c, 'empty');
    assert.deepEqual(list[0].endpoints ?? [], []);
    await waitFor('empty Endpoints', async () => {
      const ep = await tryGet<Endpoints>(c, endpoints, 'empty');
      return !!ep && (ep.subsets ?? []).length === 0;
    });
  });
  test("another writer's change to the Endpoints or a slice we manage is put right (our own writes are not taken for it)", async () => {
    const c = cluster.client;
    await c.create<Service>(services, { metadata: { name: 'guarded', namespace: 'default' }, spec: { selector: { app: 'guarded' }, ports: [{ port: 80 }] } });
    await c.create(pods, { ...pod('g', 8080), metadata: { name: 'g', namespace: 'default', labels: { app: 'guarded' } } });
    await setStatus(c, 'g', '10.42.0.9', true);
    await waitFor('the Endpoints and slice of guarded', async () => {
      const ep = await tryGet<Endpoints>(c, endpoints, 'guarded');
      return isDeepStrictEqual(summarize(ep).ready, { '10.42.0.9': [80] }) && isDeepStrictEqual((await sliceView(c, 'guarded')).view, { '10.42.0.9': [true, 80] });
    });
    const ep = (await tryGet<Endpoints>(c, endpoints, 'guarded'))!;
    await c.update(endpoints, { ...ep, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 1, protocol: 'TCP' }] }] });
    const [slice] = (await sliceView(c, 'guarded')).slices;
    await c.update(slices, { ...slice, endpoints: [{ addresses: ['192.0.2.1'], conditions: { ready: true } }] });
    await waitFor('the Endpoints and slice restored', async () => {
      const now = await tryGet<Endpoints>(c, endpoints, 'guarded');
      return isDeepStrictEqual(summarize(now).ready, { '10.42.0.9': [80] }) && isDeepStrictEqual((await sliceView(c, 'guarded')).view, { '10.42.0.9': [true, 80] });
    });
  });

  test('after a restart the same slices are kept, and what a Service deleted meanwhile left behind is removed', async () => {
    const c = cluster.client;
    for (const name of ['api', 'old']) {
      await c.create<Service>(services, { metadata: { name, namespace: 'default' }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
      await c.create(pods, { ...pod(`${name}-1`, 80), metadata: { name: `${name}-1`, namespace: 'default', labels: { app: name } } });
    }
    await setStatus(c, 'api-1', '10.42.1.1', true);
    await setStatus(c, 'old-1', '10.42.1.2', true);
    await waitFor('endpoints of both', async () => {
      const api = await sliceView(c, 'api');
      const old = await sliceView(c, 'old');
      return !!(await tryGet(c, endpoints, 'old')) && api.view['10.42.1.1']?.[0] === true && old.view['10.42.1.2']?.[0] === true;
    });
    const apiSlices = (await sliceView(c, 'api')).slices.map((s) => s.metadata?.uid);

    await stopControllers();
    await c.delete(services, 'default', 'old');
    stopControllers = (await startControllers(cluster.plane.kubeconfigPath, [endpointsController, endpointSliceController])).stop;

    await waitFor("old's Endpoints and slices to be removed", async () => !(await tryGet(c, endpoints, 'old')) && (await sliceView(c, 'old')).slices.length === 0);
    await setStatus(c, 'api-1', '10.42.1.1', false);
    await waitFor('api-1 not ready in its slice', async () => (await sliceView(c, 'api')).view['10.42.1.1']?.[0] === false);
    assert.deepEqual((await sliceView(c, 'api')).slices.map((s) => s.metadata?.uid), apiSlices, 'no new or duplicate slice');
  });
});
