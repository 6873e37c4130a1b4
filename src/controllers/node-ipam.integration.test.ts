/**
 * The node IPAM controller against a real API server: Nodes get distinct pod CIDRs, a block
 * already in use when the controller starts is never handed out again, an exhausted range gives
 * CIDRNotAvailable, and a deleted Node's block goes to the Node that was waiting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Event, Node } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { nodeIpamController } from './node-ipam.ts';
import { startControllers } from './test-harness.test-support.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const EVENTS = findResource('', 'v1', 'events')!;

describe('node-ipam controller', { timeout: 60_000 }, () => {
  let cluster: TestCluster;
  let controllers: { stop(): Promise<void> } | undefined;
  const podCidr = async (name: string) => (await cluster.client.get<Node>(NODES, undefined, name)).spec?.podCIDR;

  before(async () => {
    cluster = await startTestCluster();
  });
  after(async () => {
    await controllers?.stop();
    await cluster?.cleanup();
  });

  test('gives each node its own block, never one in use, and reuses a deleted node’s block', async () => {
    // Made before the controller runs: its block must count as taken.
    await cluster.client.create<Node>(NODES, { metadata: { name: 'old' }, spec: { podCIDR: '10.99.0.0/24', podCIDRs: ['10.99.0.0/24'] } });
    controllers = await startControllers(cluster.plane.kubeconfigPath, [nodeIpamController], { clusterCidr: '10.99.0.0/23', nodeCidrMaskSize: 24 });

    await cluster.client.create<Node>(NODES, { metadata: { name: 'new' } });
    await waitFor('a pod CIDR for node new', async () => (await podCidr('new')) !== undefined);
    const node = await cluster.client.get<Node>(NODES, undefined, 'new');
    assert.equal(node.spec?.podCIDR, '10.99.1.0/24');
    assert.deepEqual(node.spec?.podCIDRs, ['10.99.1.0/24']);

    await cluster.client.create<Node>(NODES, { metadata: { name: 'late' } });
    await waitFor('a CIDRNotAvailable event for node late', async () => {
      const events = await cluster.client.list<Event>(EVENTS, 'default');
      return events.items.some((e) => e.involvedObject.name === 'late' && e.reason === 'CIDRNotAvailable');
    });
    assert.equal(await podCidr('late'), undefined);

    await cluster.client.delete(NODES, undefined, 'old');
    await waitFor('node late to get the freed block', async () => (await podCidr('late')) === '10.99.0.0/24');
    assert.equal(await podCidr('new'), '10.99.1.0/24');
  });
});
