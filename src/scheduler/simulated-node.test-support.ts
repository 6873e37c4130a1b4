/**
 * A simulated node for the scheduler's integration tests: the Node object, then the status a
 * kubelet would report (capacity = allocatable, Ready), written through the API.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import type { RestClient } from '../client/index.ts';

const nodes = findResource('', 'v1', 'nodes')!;

export async function addSimulatedNode(client: RestClient, name: string, options: { cpu: string; memory?: string; labels?: Record<string, string> }): Promise<void> {
  const created = await client.create<Node>(nodes, { metadata: { name, labels: { 'kubernetes.io/hostname': name, ...options.labels } } });
  const capacity = { cpu: options.cpu, memory: options.memory ?? '8Gi', pods: '110' };
  await client.updateStatus<Node>(nodes, {
    ...created,
    status: { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated' }] },
  });
}
