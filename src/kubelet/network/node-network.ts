/**
 * The kubelet's loop over the Nodes for the pod network: when its own Node gets (or changes)
 * its pod CIDR the node's side is configured, and the host-gateway routes follow the other
 * Nodes as they come, change address and go. Node heartbeats change nothing here, so work is
 * done only when what it depends on changed — and on the informer's periodic resync, which
 * repairs a bridge, table or route someone removed. A failure is retried a little later.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Clock, EventHandler, ObjectCache } from '../../client/index.ts';
import type { HostGatewayRoutes } from './host-gateway.ts';
import type { PodNetwork } from './pod-network.ts';
import { desiredRoutes } from './routes.ts';

/** How soon a failed configure or route change is tried again. */
const RETRY_MS = 5_000;

export interface NodeNetworkSyncOptions {
  /** An informer on all Nodes (the caller starts it). */
  nodes: { cache: Pick<ObjectCache<Node>, 'get' | 'list'>; addEventHandler(handler: EventHandler<Node>): void };
  nodeName: string;
  network: Pick<PodNetwork, 'configure' | 'bridge'>;
  /** Called once the node's side is configured for a new pod CIDR (the node can turn Ready now). */
  onConfigured?: () => void;
  routes: Pick<HostGatewayRoutes, 'sync'>;
  clock: Clock;
  log: (line: string) => void;
}

/** Runs the loop until `stop`. */
export function startNodeNetworkSync(o: NodeNetworkSyncOptions): { stop(): void } {
  let configured: string | undefined;
  let routed: string | undefined;
  let dirty = false;
  let force = false;
  let running = false;
  let stopped = false;
  let cancelRetry: (() => void) | undefined;

  const syncOnce = async (forced: boolean): Promise<boolean> => {
    let ok = true;
    const podCidr = o.nodes.cache.get(o.nodeName)?.spec?.podCIDR;
    if (podCidr && (forced || podCidr !== configured)) {
      try {
        await o.network.configure(podCidr);
        const first = configured !== podCidr;
        if (first) o.log(`pod network: node ${o.nodeName} has pod CIDR ${podCidr}, bridge ${o.network.bridge}`);
        configured = podCidr;
        if (first) o.onConfigured?.();
      } catch (err) {
        ok = false;
        o.log(`pod network: setting up the node's side for ${podCidr} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const nodes = o.nodes.cache.list();
    const key = JSON.stringify(desiredRoutes(nodes, o.nodeName));
    if (forced || key !== routed) {
      try {
        if ((await o.routes.sync(nodes)) === 0) routed = key;
        else ok = false;
      } catch (err) {
        ok = false;
        o.log(`pod network: syncing routes failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return ok;
  };

  const kick = (forced: boolean) => {
    if (stopped) return;
    dirty = true;
    force ||= forced;
    if (running) return;
    running = true;
    void (async () => {
      while (dirty && !stopped) {
        dirty = false;
        const forced = force;
        force = false;
        if (!(await syncOnce(forced)) && !stopped) {
          cancelRetry?.();
          cancelRetry = o.clock.setTimer(RETRY_MS, () => kick(true));
        }
      }
      running = false;
    })();
  };

  o.nodes.addEventHandler({
    onAdd: () => kick(false),
    // The informer's resync hands over the same object: the moment to repair what was removed.
    onUpdate: (old, node) => kick(old === node),
    onDelete: () => kick(false),
  });
  return {
    stop() {
      stopped = true;
      cancelRetry?.();
    },
  };
}
