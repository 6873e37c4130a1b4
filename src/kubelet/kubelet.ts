/**
 * The kubelet: registers this machine as a Node and keeps it (and its Lease) current, runs the
 * pods bound to it — one worker per pod, woken by the API (an informer on
 * spec.nodeName=<node>), by the runtime (the PLEG's relist), by probes and by a resync —
 * collects unused images when the disk fills, and serves logs, exec, attach and port-forward
 * to the API server. Everything it runs lives in
 * the runtime's state on disk, so a restarted kubelet adopts the containers it finds.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { findResource } from '../api/catalogue.ts';
import { EventRecorder, InformerFactory, loadKubeconfig, realClock, RestClient } from '../client/index.ts';
import { importImagesDir, LocalImageService } from './images/index.ts';
import { ImageGCManager } from './image-gc-manager.ts';
import { ImagePuller } from './image-puller.ts';
import { ContainerLogger } from './logs/index.ts';
import { HostGatewayRoutes, PodNetwork, runNetworkCommand, startNodeNetworkSync, type PodNetworkOptions } from './network/index.ts';
import { NodeLease } from './node-lease.ts';
import { NodeStatusUpdater } from './node-status-updater.ts';
import type { ResourceList } from './node-status.ts';
import { apiObjectSource } from './object-source.ts';
import { containersByName } from './pod-actions.ts';
import { KubeletPodResources } from './pod-resources.ts';
import { PodSyncer } from './pod-sync.ts';
import { PodWorkers } from './pod-workers.ts';
import { Pleg } from './pleg.ts';
import { preflight } from './preflight.ts';
import { ProbeManager } from './probes/probe-manager.ts';
import { OciRuntime } from './runtime/oci-runtime.ts';
import { startKubeletServer } from './server/index.ts';
import { KubeletPreflightError } from './preflight-error.ts';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;

export interface KubeletOptions {
  /** Credentials for the API server. */
  kubeconfigPath: string;
  /** Default: the host name, lower-cased. */
  nodeName?: string;
  /** The kubelet's data: images, pods, containers, logs (DATA_DIR/agent). */
  rootDir: string;
  /** The OCI runtime. Default: defaultOciRuntime() (crun, or runc on a cgroup v2-only node). */
  runtime?: 'runc' | 'crun';
  /** The node's InternalIP. Default: the host's first non-loopback IPv4 address. */
  nodeIP?: string;
  /** A server node: labelled with the control-plane and master roles. */
  isServer?: boolean;
  /** Resources held back from pods (--system-reserved, --kube-reserved). */
  reserved?: { system?: ResourceList; kube?: ResourceList };
  /** Port of the kubelet's HTTPS server; 0 picks a free one. Default 10250. */
  kubeletPort?: number;
  /**
   * The pod network: pods get an address from the Node's podCIDR on the bridge (default
   * skiff0), masquerade and hostPorts in nftables, and routes to the other nodes' pods. Without
   * it pods have loopback only (a kubelet in a cluster with no node-ipam controller). Two
   * nodes on one machine (tests) need their own bridge, table and route protocol.
   */
  network?: Omit<PodNetworkOptions, 'stateDir' | 'run'> & { routeProtocol?: number };
  /** Cluster DNS server addresses and domain for pods' resolv.conf (none until cluster DNS exists). */
  clusterDNS?: string[];
  /** Default cluster.local. */
  clusterDomain?: string;
  /** Where log lines go. Default: nowhere. */
  log?: (line: string) => void;
}

export interface RunningKubelet {
  nodeName: string;
  /** Stops the kubelet; the containers keep running. */
  stop(): Promise<void>;
}

export async function startKubelet(options: KubeletOptions): Promise<RunningKubelet> {
  const log = options.log ?? (() => {});
  const problems = await preflight({ runtime: options.runtime });
  if (problems.length) throw new KubeletPreflightError(problems);
  const clock = realClock;
  const nodeName = options.nodeName ?? hostname().toLowerCase();
  const { rootDir } = options;
  const clusterDomain = options.clusterDomain ?? 'cluster.local';
  await mkdir(rootDir, { recursive: true });
  const connection = await loadKubeconfig(options.kubeconfigPath);
  const client = RestClient.fromConnection(connection, { userAgent: `skiff-kubelet/${nodeName}` });
  const stops: (() => unknown)[] = [() => client.close()];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };

  try {
    const network = options.network && new PodNetwork({ ...options.network, stateDir: join(rootDir, 'network') });
    const runtime = new OciRuntime({ rootDir, runtime: options.runtime, network, log });
    const runtimeVersion = await runtime.version();
    const images = new LocalImageService({ rootDir });
    const imported = await importImagesDir(images, join(rootDir, 'images'));
    for (const f of imported.failed) log(`kubelet: could not import ${f.file}: ${f.error.message}`);
    if (imported.imported.length) log(`kubelet: imported ${imported.imported.length} image(s) from ${join(rootDir, 'images')}`);

    const recorder = new EventRecorder(client, { component: 'kubelet', host: nodeName, clock, log });
    const logger = new ContainerLogger();
    stops.push(() => logger.stop());
    const factory = new InformerFactory(client, { resyncPeriodMs: 60_000, clock, log });
    const informer = factory.informerFor<Pod>(PODS, { fieldSelector: `spec.nodeName=${nodeName}` });
    stops.push(() => factory.stop());
    // Made below; the network sync tells it to post at once when the node's network comes up.
    let statusUpdater: NodeStatusUpdater | undefined;
    if (network) {
      const routes = new HostGatewayRoutes({ run: runNetworkCommand, nodeName, protocol: options.network?.routeProtocol, log });
      const onConfigured = () => void statusUpdater?.check().catch((err) => log(`node status: ${err instanceof Error ? err.message : String(err)}`));
      const networkSync = startNodeNetworkSync({ nodes: factory.informerFor<Node>(NODES), nodeName, network, routes, clock, log, onConfigured });
      stops.push(() => networkSync.stop());
    }

    // Filled in below; the server only asks once pods run.
    let syncer: PodSyncer | undefined;
    const server = await startKubeletServer({
      port: options.kubeletPort ?? 10250,
      clientCaPem: connection.caPem ?? '',
      runtime,
      logs: {
        async pathFor(pod, container, previous) {
          if (!syncer) return undefined;
          const attempts = containersByName((await syncer.runtimeState(pod.uid)).containers).get(container) ?? [];
          return attempts[previous ? 1 : 0]?.logPath;
        },
      },
      async podLookup(namespace, name) {
        const pod = informer.cache.getByName(namespace, name);
        const uid = pod?.metadata?.uid;
        if (!uid || !syncer) return undefined;
        const state = await syncer.runtimeState(uid);
        const containers = Object.fromEntries([...containersByName(state.containers)].map(([n, list]) => [n, list[0].id]));
        return { uid, netnsPath: state.sandbox?.netnsPath, containers };
      },
      containerStdin: (id) => runtime.containerStdioPaths(id).stdin,
      log,
    });
    stops.push(() => server.stop());

    const node = new NodeStatusUpdater(client, {
      nodeName,
      rootDir,
      nodeIP: options.nodeIP,
      isServer: options.isServer ?? false,
      kubeletPort: server.port,
      systemReserved: options.reserved?.system,
      kubeReserved: options.reserved?.kube,
      runtime,
      images,
      network,
      clock,
      log,
    });
    statusUpdater = node;
    await node.register();
    node.start();
    stops.push(() => node.stop());
    const lease = new NodeLease(client, { nodeName, nodeUid: () => node.uid, clock, log });
    lease.start();
    stops.push(() => lease.stop());

    const objects = apiObjectSource(client, () => node.current!);
    const nodeIP = () => node.facts!.nodeIP;
    let workers: PodWorkers | undefined;
    const probes = new ProbeManager({ runtime, recorder, clock, onChange: (uid) => workers?.enqueue(uid) });
    stops.push(() => probes.stop());
    syncer = new PodSyncer({
      client,
      runtime,
      runtimeName: runtimeVersion.name,
      images,
      puller: new ImagePuller({ images, objects, recorder, clock }),
      logs: {
        attach: (id, logPath) => {
          const fifos = runtime.containerStdioPaths(id);
          return logger.attach({ stdoutFifo: fifos.stdout, stderrFifo: fifos.stderr }, logPath);
        },
        detach: (id) => {
          const fifos = runtime.containerStdioPaths(id);
          return logger.detach({ stdoutFifo: fifos.stdout, stderrFifo: fifos.stderr });
        },
      },
      resources: new KubeletPodResources({ rootDir, objects, runtime, recorder, clock, nodeName, nodeIP, clusterDNS: options.clusterDNS ?? [], clusterDomain }),
      probes,
      recorder,
      clock,
      rootDir,
      clusterDomain,
      nodeIP,
      log,
    });
    const podSyncer = syncer;
    workers = new PodWorkers({ sync: (uid, pod) => podSyncer.sync(uid, pod), clock, log });
    informer.addEventHandler(workers.handler());
    const adopted = await syncer.adopt();
    if (network) {
      const orphans = await network.collectGarbage((await runtime.listPodSandboxes()).map((s) => s.id));
      if (orphans.length) log(`pod network: released the addresses of ${orphans.length} sandbox(es) that are gone`);
    }
    factory.start();
    await factory.waitForSync();
    // Only now, with the API's pods known, may what no pod wants be removed.
    for (const uid of adopted) workers.enqueue(uid);
    workers.start();
    const podWorkers = workers;
    stops.push(() => podWorkers.stop());
    const pleg = new Pleg({ runtime, clock, onPodChanged: (uid) => podWorkers.enqueue(uid), log });
    pleg.start();
    stops.push(() => pleg.stop());
    const imageGC = new ImageGCManager({ images, runtime, rootDir, clock, log });
    imageGC.start();
    stops.push(() => imageGC.stop());
    log(`kubelet: node ${nodeName} registered, ${runtimeVersion.name} ${runtimeVersion.version}, serving on port ${server.port}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodeName, stop };
}
