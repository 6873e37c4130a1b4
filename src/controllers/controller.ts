/**
 * The contract every controller implements and the context the controller manager hands it.
 * A controller registers its informers and event handlers when it is constructed, and does its
 * work in `run` once the manager has started the informers and they have synced; `run` returns
 * when the signal aborts (leadership lost, or shutdown).
 */
import type { Clock, EventRecorder, InformerFactory, RestClient } from '../client/index.ts';

export interface ControllerManagerOptions {
  /** How long a node may miss heartbeats before it is marked Ready=Unknown. Default 40 s. */
  nodeMonitorGracePeriodSeconds: number;
  /** Tolerations DefaultTolerationSeconds gives pods for not-ready / unreachable. Default 300 s. */
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  /** Terminated pods kept before pod GC removes the oldest. Default 12500, as upstream. */
  terminatedPodGcThreshold: number;
  /** Workers per controller. Default 5. */
  concurrentSyncs: number;
  /** The range node pod CIDRs are cut from (--cluster-cidr). Default 10.42.0.0/16. */
  clusterCidr: string;
  /** Prefix length of each node's pod CIDR (--node-cidr-mask-size). Default 24. */
  nodeCidrMaskSize: number;
}

export const DEFAULT_CONTROLLER_MANAGER_OPTIONS: ControllerManagerOptions = {
  nodeMonitorGracePeriodSeconds: 40,
  defaultNotReadyTolerationSeconds: 300,
  defaultUnreachableTolerationSeconds: 300,
  terminatedPodGcThreshold: 12500,
  concurrentSyncs: 5,
  clusterCidr: '10.42.0.0/16',
  nodeCidrMaskSize: 24,
};

export interface ControllerContext {
  client: RestClient;
  /** Shared informers: ask for one per resource; the manager starts them all. */
  informers: InformerFactory;
  /** An event recorder whose events name `component` as their source. */
  recorder(component: string): EventRecorder;
  clock: Clock;
  log(line: string): void;
  options: ControllerManagerOptions;
}

export interface Controller {
  /** e.g. "replicaset-controller", as upstream names it in events and logs. */
  name: string;
  run(signal: AbortSignal): Promise<void>;
}

export type ControllerConstructor = (ctx: ControllerContext) => Controller;
