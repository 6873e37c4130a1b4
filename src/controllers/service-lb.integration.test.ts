import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { serviceLoadBalancerController } from './service-lb.ts';
import { startWorkloadCluster, waitFor, type WorkloadCluster } from './workload-cluster.test-support.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const SERVICES = findResource('', 'v1', 'services')!;

let w: WorkloadCluster;

before(async () => {
  w = await startWorkloadCluster([serviceLoadBalancerController]);
});

after(async () => {
  await w?.cleanup();
});

async function addNode(name: string, ip: string, ready: 'True' | 'False'): Promise<void> {
  const created = await w.client.create<Node>(NODES, { metadata: { name } });
  await w.client.updateStatus(NODES, {
    ...created,
    status: { conditions: [{ type: 'Ready', status: ready, reason: 'KubeletReady' }], addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] },
  });
}

async function ingressOf(name: string): Promise<string[]> {
  const svc = await w.client.get<Service>(SERVICES, 'default', name);
  return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip!);
}

test('a LoadBalancer Service shows the Ready nodes’ IPs as EXTERNAL-IP, following the nodes and its type', async () => {
  await addNode('lb-node-a', '192.168.50.2', 'True');
  await addNode('lb-node-b', '192.168.50.3', 'False');
  await w.kubectl(['create', 'service', 'loadbalancer', 'web', '--tcp=80:8080']);
  await waitFor('ingress of the Ready node', async () => (await ingressOf('web')).join() === '192.168.50.2');
  const table = await w.kubectl(['get', 'svc', 'web', '--no-headers']);
  assert.match(table, /^web\s+LoadBalancer\s+\S+\s+192\.168\.50\.2\s+80:\d+\/TCP/);

  const b = await w.client.get<Node>(NODES, undefined, 'lb-node-b');
  await w.client.updateStatus(NODES, { ...b, status: { ...b.status, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } });
  await waitFor('both nodes', async () => (await ingressOf('web')).join() === '192.168.50.2,192.168.50.3');

  await w.client.patch(SERVICES, 'default', 'web', { spec: { type: 'ClusterIP', ports: [{ port: 80, targetPort: 8080, protocol: 'TCP', name: '80-8080', nodePort: null }] } }, 'merge');
  await waitFor('ingress cleared', async () => (await ingressOf('web')).length === 0);
});
