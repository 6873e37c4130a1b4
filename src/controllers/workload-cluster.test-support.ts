/**
 * A real control plane with chosen controllers running against it, plus the real kubectl, for
 * the workload controllers' integration tests. Tests play kubelet and scheduler themselves.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { startTestCluster, waitFor, type TestCluster } from '../client/control-plane.test-support.ts';
import { Informer, listWatchFor, type RestClient } from '../client/index.ts';
import type { ControllerConstructor, ControllerManagerOptions } from './controller.ts';
import { formatTime } from '../api/time.ts';
import { isPodReady } from './pod-util.ts';
import { startControllers } from './test-harness.test-support.ts';

export { waitFor };

export const PODS = findResource('', 'v1', 'pods')!;

export interface WorkloadCluster {
  cluster: TestCluster;
  client: RestClient;
  /** Runs the real kubectl against the cluster; resolves with its output, rejects on failure. */
  kubectl(args: string[], stdin?: string): Promise<string>;
  /** Starts the controllers (again, after `stopControllers`). */
  startControllers(): Promise<void>;
  stopControllers(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startWorkloadCluster(controllers: ControllerConstructor[], options: Partial<ControllerManagerOptions> = {}): Promise<WorkloadCluster> {
  const cluster = await startTestCluster();
  const cacheDir = await mkdtemp(join(tmpdir(), 'skiff-kubectl-cache-'));
  let running: { stop(): Promise<void> } | undefined;
  const w: WorkloadCluster = {
    cluster,
    client: cluster.client,
    kubectl(args, stdin) {
      return new Promise((resolve, reject) => {
        const child = execFile('/usr/bin/kubectl', ['--kubeconfig', cluster.plane.kubeconfigPath, '--cache-dir', cacheDir, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`));
          else resolve(stdout);
        });
        child.stdin?.end(stdin ?? '');
      });
    },
    async startControllers() {
      running = await startControllers(cluster.plane.kubeconfigPath, controllers, options);
    },
    async stopControllers() {
      await running?.stop();
      running = undefined;
    },
    async cleanup() {
      await w.stopControllers();
      await cluster.cleanup();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
  await w.startControllers();
  return w;
}

/** The pods of `namespace` that are not being deleted, optionally only those matching `labelSelector`. */
export async function livePods(client: RestClient, namespace: string, labelSelector?: string): Promise<Pod[]> {
  const list = await client.list<Pod>(PODS, namespace, { labelSelector });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** Plays kubelet: marks `pod` Running and Ready through the status subresource. */
export async function markReady(client: RestClient, pod: Pod): Promise<void> {
  const now = formatTime(Date.now());
  await client.patchStatus(PODS, pod.metadata!.namespace, pod.metadata!.name!, {
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
  }, 'merge');
}

/** kubectl create namespace sends protobuf, which the API server does not read: create it as JSON. */
export async function createNamespace(w: WorkloadCluster, name: string): Promise<void> {
  await w.client.create(findResource('', 'v1', 'namespaces')!, { metadata: { name } });
}

/** What the pod watch showed at one moment: pods not being deleted, how many Ready, their images. */
export interface Moment {
  total: number;
  ready: number;
  images: string[];
}

/**
 * Plays kubelet for one namespace: every new pod is marked Ready (while `readying`), and every
 * state the pod watch shows is recorded, so a test can check a bound held at each moment.
 */
export function fakeKubelet(w: WorkloadCluster, namespace: string) {
  const informer = new Informer<Pod>(listWatchFor<Pod>(w.client, PODS, { namespace }), { log: () => {} });
  const moments: Moment[] = [];
  let readying = true;
  const observe = () => {
    const pods = informer.cache.list().filter((p) => !p.metadata?.deletionTimestamp);
    moments.push({ total: pods.length, ready: pods.filter(isPodReady).length, images: [...new Set(pods.map((p) => p.spec!.containers[0].image!))].sort() });
  };
  const onPod = (pod: Pod) => {
    observe();
    if (readying && !isPodReady(pod) && !pod.metadata?.deletionTimestamp) markReady(w.client, pod).catch(() => {});
  };
  informer.addEventHandler({ onAdd: onPod, onUpdate: (_, p) => onPod(p), onDelete: observe });
  informer.start();
  return {
    moments,
    setReadying(on: boolean) {
      readying = on;
    },
    stop: () => informer.stop(),
  };
}
