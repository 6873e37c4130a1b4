/**
 * A stand-in for the kubelets of simulated nodes (Node objects a test creates and whose status
 * it writes), doing the two things the control plane waits on a kubelet for:
 * - heartbeats: each node's Lease in kube-node-lease is renewed, so the node lifecycle
 *   controller does not taint a silent node unreachable in the middle of a test;
 * - termination: a pod bound to a node and marked for deletion is deleted with grace 0, as a
 *   kubelet does once its containers have stopped — except on nodes the test asked to handle
 *   itself ({@link SimulatedKubelet.holdTerminations}).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../src/api/catalogue.ts';
import { Informer, isNotFound, listWatchFor, realClock, RestClient } from '../../src/client/index.ts';
import { NodeLease } from '../../src/kubelet/node-lease.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;

export interface SimulatedKubelet {
  /** Leaves terminating pods on `nodeName` to the test until the returned release is called. */
  holdTerminations(nodeName: string): () => void;
  stop(): Promise<void>;
}

/** Starts serving every node of the cluster at `kubeconfigPath`; call `stop` when done. */
export async function startSimulatedKubelet(kubeconfigPath: string, log: (line: string) => void = () => {}): Promise<SimulatedKubelet> {
  const client = await RestClient.fromKubeconfig(kubeconfigPath, { userAgent: 'simulated-kubelet' });
  const held = new Set<string>();
  const leases = new Map<string, NodeLease>();
  const nodes = new Informer<Node>(listWatchFor(client, NODES), { name: 'simulated-kubelet nodes', log });
  const pods = new Informer<Pod>(listWatchFor(client, PODS), { name: 'simulated-kubelet pods', log });

  const startLease = (node: Node) => {
    const name = node.metadata!.name!;
    if (leases.has(name)) return;
    const lease = new NodeLease(client, { nodeName: name, nodeUid: () => nodes.cache.get(name)?.metadata?.uid, clock: realClock, log });
    leases.set(name, lease);
    lease.start();
  };
  nodes.addEventHandler({
    onAdd: startLease,
    onDelete: (node) => {
      const name = node.metadata!.name!;
      leases.get(name)?.stop();
      leases.delete(name);
      held.delete(name);
    },
  });

  const finishTermination = (pod: Pod) => {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || !pod.metadata?.deletionTimestamp || held.has(nodeName)) return;
    void client
      .delete(PODS, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } })
      .catch((err) => {
        if (!isNotFound(err)) log(`simulated kubelet: deleting ${pod.metadata!.namespace}/${pod.metadata!.name}: ${err}`);
      });
  };
  pods.addEventHandler({ onAdd: finishTermination, onUpdate: (_, pod) => finishTermination(pod) });

  nodes.start();
  pods.start();
  await Promise.all([nodes.waitForSync(), pods.waitForSync()]);
  return {
    holdTerminations(nodeName) {
      held.add(nodeName);
      return () => {
        held.delete(nodeName);
        for (const pod of pods.cache.list()) finishTermination(pod);
      };
    },
    async stop() {
      pods.stop();
      nodes.stop();
      for (const lease of leases.values()) lease.stop();
      client.close();
    },
  };
}
