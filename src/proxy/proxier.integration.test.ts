/**
 * The proxy against a real API server and real nftables, inside network namespaces made for
 * the test: Services and EndpointSlices are written through the API (no controllers), and
 * clients in the node's and pods' namespaces see where their connections land.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { createNodeNetwork, probe, type TestNodeNetwork, type TestPod } from './netns.test-support.ts';
import { NftError } from './netfilter-tools.ts';
import { startProxy, type RunningProxy } from './proxier.ts';

const SERVICES = findResource('', 'v1', 'services')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
const NODE = 'node-1';

let cluster: TestCluster;
let net: TestNodeNetwork;
let proxy: RunningProxy;
let a: TestPod;
let b: TestPod;

function endpoint(pod: TestPod, ready = true, nodeName = NODE): Endpoint {
  return { addresses: [pod.ip], conditions: { ready }, nodeName };
}

async function createService(name: string, spec: Service['spec']): Promise<Service> {
  return cluster.client.create<Service>(SERVICES, { metadata: { namespace: 'default', name }, spec });
}

/** Creates or replaces the one EndpointSlice of Service `service`. */
async function setEndpoints(service: string, endpoints: Endpoint[], ports: EndpointSlice['ports']): Promise<void> {
  const name = `${service}-slice`;
  const slice: EndpointSlice = { metadata: { namespace: 'default', name, labels: { 'kubernetes.io/service-name': service } }, addressType: 'IPv4', endpoints, ports };
  try {
    const current = await cluster.client.get<EndpointSlice>(SLICES, 'default', name);
    await cluster.client.update(SLICES, { ...slice, metadata: { ...slice.metadata, resourceVersion: current.metadata!.resourceVersion } });
  } catch {
    await cluster.client.create(SLICES, slice);
  }
}

const HTTP_PORTS = [{ name: 'http', port: 8080, protocol: 'TCP' }];

/** Probes until the answers are exactly the set `want` (every answer in it, each seen). */
async function waitForAnswers(what: string, from: string, protocol: 'tcp' | 'udp', ip: string, port: number, want: string[], count = 12): Promise<void> {
  let last: string[] = [];
  await waitFor(what, async () => {
    last = await probe(from, protocol, ip, port, count);
    return last.every((x) => want.includes(x)) && want.every((x) => last.includes(x));
  }).catch((err) => {
    throw new Error(`${err.message}; last answers: ${last.join(',')}`);
  });
}

before(async () => {
  net = await createNodeNetwork(2);
  [a, b] = net.pods;
  await net.serve(a, 'tcp', 8080);
  await net.serve(b, 'tcp', 8080);
  await net.serve(a, 'udp', 5353);
  await net.serve(b, 'udp', 5353);
  cluster = await startTestCluster();
  proxy = await startProxy({
    client: cluster.client,
    nodeName: NODE,
    nodeIPs: [net.nodeIP],
    clusterCIDR: '10.42.0.0/16',
    nft: net.nft,
    conntrack: net.conntrack,
    sysctl: net.sysctl,
    log: process.env.SKIFF_TEST_LOG ? (line) => process.stderr.write(`${line}\n`) : () => {},
  });
});

after(async () => {
  await proxy?.stop();
  await cluster?.cleanup();
  await net?.cleanup();
});

describe('a NodePort Service with two ready endpoints', () => {
  let svc: Service;
  before(async () => {
    svc = await createService('web', { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
    await setEndpoints('web', [endpoint(a), endpoint(b)], HTTP_PORTS);
  });

  test('the cluster IP reaches both pods from the node', async () => {
    await waitForAnswers('both pods behind the cluster IP', net.netns, 'tcp', svc.spec!.clusterIP!, 80, ['pod-a', 'pod-b'], 30);
  });

  test('the cluster IP reaches both pods from a pod, and a pod reaches itself (hairpin)', async () => {
    await waitForAnswers('both pods from pod-a', a.netns, 'tcp', svc.spec!.clusterIP!, 80, ['pod-a', 'pod-b'], 30);
  });

  test('the node port answers on the node address, from the node and from outside, and on 127.0.0.1', async () => {
    const nodePort = svc.spec!.ports![0].nodePort!;
    await waitForAnswers('the node port on the node IP', net.netns, 'tcp', net.nodeIP, nodePort, ['pod-a', 'pod-b'], 30);
    await waitForAnswers('the node port on localhost', net.netns, 'tcp', '127.0.0.1', nodePort, ['pod-a', 'pod-b'], 30);
    await waitForAnswers('the node port from another machine', net.outside, 'tcp', net.nodeIP, nodePort, ['pod-a', 'pod-b'], 30);
  });

  test('an endpoint turning not ready leaves the rotation; none ready refuses at once; ready again serves', async () => {
    await setEndpoints('web', [endpoint(a), endpoint(b, false)], HTTP_PORTS);
    await waitForAnswers('only pod-a', net.netns, 'tcp', svc.spec!.clusterIP!, 80, ['pod-a']);
    await setEndpoints('web', [endpoint(a, false), endpoint(b, false)], HTTP_PORTS);
    await waitForAnswers('connections refused', net.netns, 'tcp', svc.spec!.clusterIP!, 80, ['ECONNREFUSED'], 3);
    await waitForAnswers('node port refused', net.netns, 'tcp', net.nodeIP, svc.spec!.ports![0].nodePort!, ['ECONNREFUSED'], 3);
    await waitForAnswers('refused from a pod too', b.netns, 'tcp', svc.spec!.clusterIP!, 80, ['ECONNREFUSED'], 3);
    await setEndpoints('web', [endpoint(a), endpoint(b)], HTTP_PORTS);
    await waitForAnswers('both pods again', net.netns, 'tcp', svc.spec!.clusterIP!, 80, ['pod-a', 'pod-b'], 30);
  });
});

test('a LoadBalancer Service answers on its ingress IP (the node’s, as the service-lb controller sets it) from outside', async () => {
  const svc = await createService('lb', { type: 'LoadBalancer', ports: [{ name: 'http', port: 8081, protocol: 'TCP' }] });
  await cluster.client.updateStatus(SERVICES, { ...svc, status: { loadBalancer: { ingress: [{ ip: net.nodeIP, ipMode: 'VIP' }] } } });
  await setEndpoints('lb', [endpoint(b)], HTTP_PORTS);
  await waitForAnswers('pod-b on the ingress IP', net.outside, 'tcp', net.nodeIP, 8081, ['pod-b'], 3);
});

test('a Service without any EndpointSlice refuses at once', async () => {
  const svc = await createService('empty', { ports: [{ port: 80, protocol: 'TCP' }] });
  await waitForAnswers('connections refused', net.netns, 'tcp', svc.spec!.clusterIP!, 80, ['ECONNREFUSED'], 3);
});

test('sessionAffinity ClientIP keeps a client on one pod', async () => {
  const svc = await createService('sticky', { sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
  await setEndpoints('sticky', [endpoint(a), endpoint(b)], HTTP_PORTS);
  let answers: string[] = [];
  await waitFor('answers', async () => {
    answers = await probe(net.netns, 'tcp', svc.spec!.clusterIP!, 80, 20);
    return answers.every((x) => x.startsWith('pod-'));
  });
  assert.equal(new Set(answers).size, 1, `one pod for every connection, got ${answers.join(',')}`);
});

test('internalTrafficPolicy Local: only this node’s endpoints serve the cluster IP', async () => {
  const svc = await createService('local', { internalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
  await setEndpoints('local', [endpoint(a, true, 'node-2'), endpoint(b)], HTTP_PORTS);
  await waitForAnswers('only the local pod-b', net.netns, 'tcp', svc.spec!.clusterIP!, 80, ['pod-b']);
  await setEndpoints('local', [endpoint(a, true, 'node-2')], HTTP_PORTS);
  await waitForAnswers('refused: no local endpoint', net.netns, 'tcp', svc.spec!.clusterIP!, 80, ['ECONNREFUSED'], 3);
});

test('UDP: a flow moves to the remaining endpoint when its endpoint goes away', async () => {
  const svc = await createService('dns', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
  const ports = [{ name: 'dns', port: 5353, protocol: 'UDP' }];
  await setEndpoints('dns', [endpoint(a)], ports);
  const clusterIP = svc.spec!.clusterIP!;
  // One source port throughout: every probe is the same conntrack flow.
  await waitFor('pod-a answering over UDP', async () => (await probe(net.netns, 'udp', clusterIP, 53, 1, 40_053))[0] === 'pod-a');
  await setEndpoints('dns', [endpoint(b)], ports);
  await waitFor('pod-b answering the same flow', async () => (await probe(net.netns, 'udp', clusterIP, 53, 1, 40_053))[0] === 'pod-b');
});

test('the table is rebuilt when someone deletes it', async () => {
  const svc = await createService('rebuilt', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
  await setEndpoints('rebuilt', [endpoint(a)], HTTP_PORTS);
  await waitForAnswers('pod-a', net.netns, 'tcp', svc.spec!.clusterIP!, 80, ['pod-a'], 2);
  const { execFile } = await import('node:child_process');
  await new Promise<void>((resolve, reject) => execFile(net.nft[0], [...net.nft.slice(1), 'delete', 'table', 'ip', 'skiff-proxy'], (err) => (err ? reject(err) : resolve())));
  // The next change finds the table gone (nft refuses the update) and replaces it whole.
  await setEndpoints('rebuilt', [endpoint(b)], HTTP_PORTS);
  await waitForAnswers('pod-b', net.netns, 'tcp', svc.spec!.clusterIP!, 80, ['pod-b'], 2);
});

test('a proxy that cannot program nftables fails to start, saying why', async () => {
  await assert.rejects(
    startProxy({ client: cluster.client, nodeName: NODE, nodeIPs: [], nft: ['false'], sysctl: ['true'], log: () => {} }),
    (err: unknown) => err instanceof NftError && /nft -f failed/.test(err.message),
  );
});
