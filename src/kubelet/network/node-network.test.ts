import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import { ObjectCache, type EventHandler } from '../../client/index.ts';
import { FakeClock } from '../../client/fake-clock.test-support.ts';
import { waitFor } from '../../client/control-plane.test-support.ts';
import { startNodeNetworkSync } from './node-network.ts';

function node(name: string, podCIDR?: string, ip = '192.0.2.1', heartbeat = 0): Node {
  return {
    metadata: { name },
    spec: podCIDR ? { podCIDR } : {},
    status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: String(heartbeat) }] },
  };
}

/** The loop over fakes: an informer the test drives, and the calls it made. */
function harness(options: { failConfigure?: number } = {}) {
  const cache = new ObjectCache<Node>();
  const handlers: EventHandler<Node>[] = [];
  const calls = { configure: [] as string[], routes: [] as string[][] };
  let failures = options.failConfigure ?? 0;
  const clock = new FakeClock();
  const sync = startNodeNetworkSync({
    nodes: { cache, addEventHandler: (h) => handlers.push(h) },
    nodeName: 'self',
    network: {
      bridge: 'skiff0',
      async configure(cidr) {
        calls.configure.push(cidr);
        if (failures-- > 0) throw new Error('nft not found');
      },
    },
    routes: { sync: async (nodes) => (calls.routes.push(nodes.map((n) => n.metadata!.name!).sort()), 0) },
    clock,
    log: () => {},
  });
  const put = (n: Node) => {
    const old = cache.set(n);
    for (const h of handlers) old ? h.onUpdate?.(old, n) : h.onAdd?.(n);
  };
  const resync = () => {
    for (const n of cache.list()) for (const h of handlers) h.onUpdate?.(n, n);
  };
  return { calls, put, resync, clock, stop: () => sync.stop() };
}

describe('startNodeNetworkSync', () => {
  test('configures the node once its pod CIDR appears, and not again for heartbeats', async () => {
    const h = harness();
    h.put(node('self'));
    h.put(node('self', '10.42.0.0/24'));
    await waitFor('configure', () => h.calls.configure.length === 1);
    h.put(node('self', '10.42.0.0/24', '192.0.2.1', 1));
    h.put(node('self', '10.42.0.0/24', '192.0.2.1', 2));
    await waitFor('routes synced', () => h.calls.routes.length >= 1);
    assert.deepEqual(h.calls.configure, ['10.42.0.0/24']);
    h.stop();
  });

  test('routes follow other nodes; a resync repeats everything (repairs)', async () => {
    const h = harness();
    h.put(node('self', '10.42.0.0/24'));
    await waitFor('first sync', () => h.calls.routes.length === 1);
    h.put(node('other', '10.42.1.0/24', '192.0.2.2'));
    await waitFor('route for other', () => h.calls.routes.length === 2);
    h.put(node('other', '10.42.1.0/24', '192.0.2.2', 5));
    h.resync();
    await waitFor('resync', () => h.calls.configure.length === 2 && h.calls.routes.length === 3);
    assert.deepEqual(h.calls.routes.at(-1), ['other', 'self']);
    h.stop();
  });

  test('a failed configure is tried again later', async () => {
    const h = harness({ failConfigure: 1 });
    h.put(node('self', '10.42.0.0/24'));
    await waitFor('first attempt', () => h.calls.configure.length === 1);
    await waitFor('a retry timer', () => h.clock.pending() === 1);
    await h.clock.advance(5_000);
    await waitFor('second attempt', () => h.calls.configure.length === 2);
    h.stop();
  });
});
