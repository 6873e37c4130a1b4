/**
 * The control plane as a library: `startControlPlane` brings up what `skiff server` runs — the
 * API server, the controller manager and the scheduler — on a data
 * directory, by the same code path as the CLI, and hands back a kubeconfig.
 */
import type { ClusterConnection } from './client/index.ts';
import { startApiServer } from './apiserver/start.ts';
import type { EtcdTls } from './storage/index.ts';
import { ALL_CONTROLLERS, DEFAULT_CONTROLLER_MANAGER_OPTIONS, startControllerManager, type RunningControllerManager } from './controllers/index.ts';
import { CidrSet } from './controllers/node-ipam-cidr-set.ts';
import { loadSchedulerConfiguration, startScheduler, type RunningScheduler, type SchedulerConfiguration } from './scheduler/index.ts';

export interface ControlPlaneOptions {
  /** Where state, certificates and the kubeconfig live. */
  dataDir: string;
  /** API port; 0 picks a free one. Default 6443. */
  port?: number;
  /** Default 0.0.0.0 (every address). */
  bindAddress?: string;
  /** The address nodes and pods reach the API server on. Default: the bind address, or the host's first address when that is a wildcard or loopback. */
  advertiseAddress?: string;
  /** `sqlite://PATH` (default `DATA_DIR/server/state.db`) or `etcd://host:port,...`. */
  datastoreEndpoint?: string;
  /** Client TLS for an https:// etcd datastore (--datastore-cafile, --datastore-certfile, --datastore-keyfile). */
  datastoreTls?: EtcdTls;
  /** The token of a server already in the cluster (`--token`), to join it; default: DATA_DIR/server/token. */
  token?: string;
  /** Service ClusterIP range. Default 10.43.0.0/16. */
  serviceCidr?: string;
  /** The cluster DNS address (the kube-dns Service's ClusterIP). Default: service CIDR base + 10, 10.43.0.10. */
  clusterDns?: string;
  /** The range node pod CIDRs come from. Default 10.42.0.0/16. */
  clusterCidr?: string;
  /** Prefix length of each node's pod CIDR. Default 24. */
  nodeCidrMaskSize?: number;
  /** Extra names or addresses for the serving certificate. */
  tlsSans?: string[];
  /** Run the controller manager in-process. Default true. */
  controllers?: boolean;
  /** Run the scheduler in-process. Default: as `controllers`. */
  scheduler?: boolean;
  /** A KubeSchedulerConfiguration file for the in-process scheduler; read (and checked) before anything starts. */
  schedulerConfigPath?: string;
  /**
   * Whether deletes add the orphan / foregroundDeletion finalizers that only a garbage
   * collector removes. Default: when the in-process controllers (which include one) run; a
   * cluster whose controller manager runs elsewhere sets it.
   */
  garbageCollector?: boolean;
  /** Seconds without heartbeats before a node is marked Ready=Unknown. Default 40. */
  nodeMonitorGracePeriodSeconds?: number;
  /** Default tolerations of new pods for not-ready / unreachable nodes. Default 300 each. */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /** How long an Event lasts after its last write (upstream's --event-ttl). Default 1 hour. */
  eventTtlMs?: number;
  /** Where log lines go. Default: nowhere (library use stays quiet). */
  log?: (line: string) => void;
}

export interface ControlPlane {
  /** e.g. https://127.0.0.1:6443 */
  url: string;
  port: number;
  /** `DATA_DIR/kubeconfig.yaml`, an admin kubeconfig (mode 0600). */
  kubeconfigPath: string;
  /** For clients in this process: HTTP on a Unix socket to the API server, as a cluster admin (absent if the data directory path is too long for one). */
  loopback?: ClusterConnection;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const log = options.log ?? (() => {});
  const controllers = options.controllers ?? true;
  const scheduling = options.scheduler ?? controllers;
  const schedulerConfig: SchedulerConfiguration | undefined = options.schedulerConfigPath ? await loadSchedulerConfiguration(options.schedulerConfigPath) : undefined;
  const d = DEFAULT_CONTROLLER_MANAGER_OPTIONS;
  const cmOptions = {
    nodeMonitorGracePeriodSeconds: options.nodeMonitorGracePeriodSeconds ?? d.nodeMonitorGracePeriodSeconds,
    defaultNotReadyTolerationSeconds: options.defaultNotReadyTolerationSeconds ?? d.defaultNotReadyTolerationSeconds,
    defaultUnreachableTolerationSeconds: options.defaultUnreachableTolerationSeconds ?? d.defaultUnreachableTolerationSeconds,
    clusterCidr: options.clusterCidr ?? d.clusterCidr,
    nodeCidrMaskSize: options.nodeCidrMaskSize ?? d.nodeCidrMaskSize,
  };
  // A range the node blocks do not fit stops start-up here, not inside the controller manager.
  new CidrSet(cmOptions.clusterCidr, cmOptions.nodeCidrMaskSize);
  const api = await startApiServer({
    dataDir: options.dataDir,
    port: options.port ?? 6443,
    bindAddress: options.bindAddress ?? '0.0.0.0',
    advertiseAddress: options.advertiseAddress,
    datastoreEndpoint: options.datastoreEndpoint,
    datastoreTls: options.datastoreTls,
    token: options.token,
    serviceCidr: options.serviceCidr,
    clusterDns: options.clusterDns,
    tlsSans: options.tlsSans,
    garbageCollector: options.garbageCollector ?? (controllers && ALL_CONTROLLERS.length > 0),
    podTolerationSeconds: { notReady: cmOptions.defaultNotReadyTolerationSeconds, unreachable: cmOptions.defaultUnreachableTolerationSeconds },
    eventTtlMs: options.eventTtlMs,
    log,
  });
  // When both run here, the controller manager's and the scheduler's informers share one parsed
  // copy of each object (informer-pool.ts): at 150,000 pods a second copy was ~0.8 GB.
  let manager: RunningControllerManager | undefined;
  if (controllers && ALL_CONTROLLERS.length > 0) {
    try {
      manager = await startControllerManager({ connection: api.loopback, kubeconfigPath: api.kubeconfigPath, controllers: ALL_CONTROLLERS, options: cmOptions, log, shareObjects: scheduling });
    } catch (err) {
      await api.stop();
      throw err;
    }
  }
  let scheduler: RunningScheduler | undefined;
  if (scheduling) {
    try {
      scheduler = await startScheduler({ connection: api.loopback, kubeconfigPath: api.kubeconfigPath, config: schedulerConfig, log, shareObjects: !!manager });
    } catch (err) {
      await manager?.stop();
      await api.stop();
      throw err;
    }
  }
  return {
    url: api.url,
    port: api.port,
    kubeconfigPath: api.kubeconfigPath,
    loopback: api.loopback,
    dataDir: options.dataDir,
    async stop() {
      await scheduler?.stop();
      await manager?.stop();
      await api.stop();
    },
  };
}
