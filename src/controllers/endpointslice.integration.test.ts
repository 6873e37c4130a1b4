/**
 * The EndpointSlice controller when the watch event of its own slice write reaches it before
 * the write's answer: they come on two connections, in no set order (under load the event can
 * be handled first). The next change of the Service's pods must still be synced at once, not
 * after the controller's wait for its own writes (30 s) lapses.
 */
import { after, before, describe, test } from 'node:test';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import type { KubeObject, RestClient } from '../client/index.ts';
import type { ControllerContext } from './controller.ts';
import { newEndpointSliceController } from './endpointslice.ts';
import { startControllers } from './test-harness.test-support.ts';

const pods = findResource('', 'v1', 'pods')!;
const services = findResource('', 'v1', 'services')!;
const slices = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

/** The controller's context with a client whose slice writes answer only once the slice informer has shown them. */
function answersAfterTheirEvents(ctx: ControllerContext): ControllerContext {
  const cache = ctx.informers.informerFor<EndpointSlice>(slices).cache;
  const shown = async <T extends KubeObject>(written: T): Promise<T> => {
    const m = written.metadata!;
    await waitFor(`the informer to show ${m.name} at ${m.resourceVersion}`, () => Number(cache.getByName(m.namespace, m.name!)?.metadata?.resourceVersion ?? 0) >= Number(m.resourceVersion));
    return written;
  };
  const client = Object.create(ctx.client) as RestClient;
  client.create = async (r, obj, options) => {
    const written = await ctx.client.create(r, obj, options);
    return r === slices ? shown(written) : written;
  };
  client.update = async (r, obj, options) => {
    const written = await ctx.client.update(r, obj, options);
    return r === slices ? shown(written) : written;
  };
  return { ...ctx, client };
}

async function setReady(client: RestClient, name: string, ip: string): Promise<void> {
  const status = { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] };
  await client.patchStatus(pods, 'default', name, { status }, 'merge');
}

/** The addresses of the Service's slices. */
async function addresses(client: RestClient, service: string): Promise<string[]> {
  const list = await client.list<EndpointSlice>(slices, 'default', { labelSelector: `kubernetes.io/service-name=${service}` });
  return list.items.flatMap((s) => (s.endpoints ?? []).map((e) => e.addresses[0])).sort();
}

describe('EndpointSlice controller: its own write seen before the answer to it', () => {
  let cluster: TestCluster;
  let stopControllers: (() => Promise<void>) | undefined;
  before(async () => {
    cluster = await startTestCluster();
    stopControllers = (await startControllers(cluster.plane.kubeconfigPath, [(ctx) => newEndpointSliceController(answersAfterTheirEvents(ctx))])).stop;
  });
  after(async () => {
    await stopControllers?.();
    await cluster?.cleanup();
  });

  test('the next change of the pods is synced without waiting for the write to be seen again', async () => {
    const c = cluster.client;
    await c.create<Service>(services, { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    for (const name of ['a', 'b']) {
      await c.create<Pod>(pods, { metadata: { name, namespace: 'default', labels: { app: 'web' } }, spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'busybox' }] } });
    }
    await setReady(c, 'a', '10.42.0.5');
    await waitFor('a in the slice', async () => (await addresses(c, 'web')).join() === '10.42.0.5');
    await setReady(c, 'b', '10.42.0.6');
    // Well within the 30 s the controller would wait for an event that came before the answer.
    await waitFor('b in the slice', async () => (await addresses(c, 'web')).join() === '10.42.0.5,10.42.0.6', 10_000);
  });
});
