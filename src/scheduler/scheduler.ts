/**
 * The scheduler as a running component: it watches pods and nodes (and PodDisruptionBudgets,
 * for preemption), keeps the scheduler cache and the scheduling queue in step with them, and
 * runs the scheduling loop while it leads (Lease kube-system/kube-scheduler). The watching
 * starts before the campaign and lasts across terms, so a standby leads with a warm cache; each
 * leadership term has a cache and queue of its own, so nothing a previous term believed is trusted.
 */
import { setMaxListeners } from 'node:events';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { findResource } from '../api/catalogue.ts';
import { EventRecorder, InformerFactory, keyOf, realClock, RestClient, runWhileLeading, type Clock, type ClusterConnection } from '../client/index.ts';
import { SchedulerCache } from './cache.ts';
import { addEventHandlers } from './event-handlers.ts';
import { checkPluginNames, DEFAULT_SCHEDULER_NAME, defaultConfiguration, readSchedulerConfiguration, SchedulerConfigError, type SchedulerConfiguration } from './config.ts';
import { Framework, type Registry } from './framework/framework.ts';
import type { ClusterEvent } from './framework/interface.ts';
import { IN_TREE_PLUGINS } from './plugins/index.ts';
import { Nominator } from './nominator.ts';
import { SchedulingQueue } from './queue.ts';
import { ScheduleOne } from './schedule-one.ts';
import { Snapshot } from './snapshot.ts';

export interface SchedulerOptions {
  /** Where to find the API server; or pass `client`. */
  kubeconfigPath?: string;
  /** The loopback of an API server in this process. */
  connection?: ClusterConnection;
  client?: RestClient;
  /** Default: one profile, default-scheduler, with upstream's default plugins. */
  config?: SchedulerConfiguration;
  /** Campaign for the kube-scheduler Lease first. Default true. */
  leaderElect?: boolean;
  /** This scheduler's identity in the Lease. Default: host name + random suffix. */
  identity?: string;
  /** Plugins besides the in-tree ones (out-of-tree, or replacements for tests). */
  registry?: Registry;
  /** Binding cycles in flight at once. Default 64. */
  maxBindingsInFlight?: number;
  /**
   * How long an assumed pod whose binding returned may go unconfirmed by the informer before
   * the cache drops it. 0 (the default, as upstream) keeps it until confirmed or forgotten.
   */
  assumedPodTtlMs?: number;
  clock?: Clock;
  log?: (line: string) => void;
  /**
   * Share cached objects with the other informers of this process (the controller manager's,
   * in `skiff server`): one copy of each pod and node instead of one per component. Default false.
   */
  shareObjects?: boolean;
}

export interface RunningScheduler {
  client: RestClient;
  /** Resolves once the scheduling loop runs (after leadership and informer sync). */
  started: Promise<void>;
  stop(): Promise<void>;
}

const podsResource = findResource('', 'v1', 'pods')!;
const nodesResource = findResource('', 'v1', 'nodes')!;
const pdbResource = findResource('policy', 'v1', 'poddisruptionbudgets')!;
/** How long a term that lost leadership waits for its binding cycles before the next campaign. */
const TERM_WIND_DOWN_MS = 5_000;

/**
 * Checks a configuration against the plugins there are: every plugin named exists and
 * implements the extension points it is enabled at.
 * @throws {SchedulerConfigError} naming the field at fault.
 */
export function checkSchedulerConfiguration(config: SchedulerConfiguration, registry: Registry = IN_TREE_PLUGINS): void {
  checkPluginNames(config, (name) => name in registry);
  for (const profile of config.profiles) new Framework({ profile, registry, snapshot: () => new Snapshot(), nominatedPodsForNode: () => [] });
}

/** Reads a configuration file and checks it (see {@link checkSchedulerConfiguration}); errors name the file and the field. */
export async function loadSchedulerConfiguration(path: string, registry: Registry = IN_TREE_PLUGINS): Promise<SchedulerConfiguration> {
  const config = await readSchedulerConfiguration(path);
  try {
    checkSchedulerConfiguration(config, registry);
  } catch (err) {
    if (err instanceof SchedulerConfigError) throw new SchedulerConfigError(`scheduler config ${path}: ${err.message}`);
    throw err;
  }
  return config;
}

/** Starts the scheduler; it schedules once it leads (at once without leader election). */
export async function startScheduler(options: SchedulerOptions): Promise<RunningScheduler> {
  const log = options.log ?? (() => {});
  const clock = options.clock ?? realClock;
  const ownClient = !options.client;
  const config = options.config ?? defaultConfiguration();
  const registry: Registry = { ...IN_TREE_PLUGINS, ...options.registry };
  // A configuration naming a missing plugin fails now rather than when leadership comes.
  checkSchedulerConfiguration(config, registry);
  let client: RestClient;
  if (options.client) client = options.client;
  else if (options.connection) client = RestClient.fromConnection(options.connection, { clock, userAgent: 'skiff-scheduler' });
  else if (options.kubeconfigPath) client = await RestClient.fromKubeconfig(options.kubeconfigPath, { clock, userAgent: 'skiff-scheduler' });
  else throw new Error('startScheduler: pass kubeconfigPath, connection or client');
  const leaderElect = options.leaderElect !== false;
  const shutdown = new AbortController();
  setMaxListeners(0, shutdown.signal);
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));

  /*
   * The informers watch for the scheduler's whole life, from before its first campaign, as
   * upstream's kube-scheduler starts its informers before leader election: a standby that wins
   * the Lease has every pod and node already. They outlive leadership terms, so a scheduler
   * that lost the Lease and wins it back does not list the cluster again (150,000 pods held the
   * first ~11 s of a term at full size); what a term believed (its cache, assumed pods, queue)
   * is still its own, rebuilt from the informers' objects.
   */
  const informers = new InformerFactory(client, { clock, log, shareObjects: options.shareObjects });
  const podInformer = informers.informerFor<Pod>(podsResource);
  const nodeInformer = informers.informerFor<Node>(nodesResource);
  const pdbInformer = informers.informerFor<PodDisruptionBudget>(pdbResource);
  informers.start();

  /**
   * Cache and queue for one leadership term, filled from the informers (and kept in step by
   * their handlers) before the campaign, so that a scheduler that wins the Lease schedules at once.
   */
  function prepareTerm() {
    const snapshot = new Snapshot();
    const cache = new SchedulerCache({ clock, assumedPodTtlMs: options.assumedPodTtlMs });
    const nominator = new Nominator();
    const profiles = new Map<string, Framework>();
    for (const profile of config.profiles) {
      profiles.set(
        profile.schedulerName,
        new Framework({
          profile,
          registry,
          snapshot: () => snapshot,
          nominatedPodsForNode: (nodeName) => nominator.podsForNode(nodeName),
          client,
          podDisruptionBudgets: () => pdbInformer.cache.list(),
          log,
        }),
      );
    }
    const pluginEvents = new Map<string, ClusterEvent[]>();
    for (const fwk of profiles.values()) for (const [name, events] of fwk.clusterEvents()) pluginEvents.set(name, events);
    const queue = new SchedulingQueue({
      clock,
      pluginEvents,
      nominator,
      podInitialBackoffMs: (config.podInitialBackoffSeconds ?? 1) * 1000,
      podMaxBackoffMs: (config.podMaxBackoffSeconds ?? 10) * 1000,
    });
    const removeHandlers = addEventHandlers({ podInformer, nodeInformer, cache, queue, isResponsibleFor: (name) => profiles.has(name) });

    const loop = new ScheduleOne({
      queue,
      cache,
      snapshot,
      profiles,
      client,
      recorder: new EventRecorder(client, { component: DEFAULT_SCHEDULER_NAME, clock, log }),
      currentPod: (pod) => podInformer.cache.get(keyOf(pod)),
      clock,
      percentageOfNodesToScore: config.percentageOfNodesToScore,
      maxBindingsInFlight: options.maxBindingsInFlight,
      log,
    });
    return {
      cache,
      queue,
      loop,
      profiles,
      stop() {
        removeHandlers();
        queue.close();
      },
    };
  }
  type Term = ReturnType<typeof prepareTerm>;
  /** The next term's cache and queue, kept in step while this scheduler campaigns. */
  let standby: Term | undefined;

  /** One leadership term, on the standby's cache and queue, until `signal` aborts. */
  async function lead(signal: AbortSignal): Promise<void> {
    setMaxListeners(0, signal);
    const term = standby ?? prepareTerm();
    standby = undefined;
    const { cache, queue, loop, profiles } = term;
    const onAbort = () => queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (!(await informers.waitForSync(signal))) return;
      log(`scheduler: caches synced (${cache.nodeCount()} nodes), scheduling with profiles ${[...profiles.keys()].join(', ')}`);
      queue.run();
      const ttl = options.assumedPodTtlMs ?? 0;
      let cancelCleanup = () => {};
      if (ttl > 0) {
        const cleanup = () => {
          cache.cleanupAssumedPods();
          cancelCleanup = clock.setTimer(Math.min(ttl, 1000), cleanup);
        };
        cancelCleanup = clock.setTimer(Math.min(ttl, 1000), cleanup);
      }
      markStarted();
      const ran = loop.run().finally(() => cancelCleanup());
      await Promise.race([ran, lostLeadershipGrace(signal)]);
      // Lost leadership: binding cycles still waiting on the API server finish (or fail) on
      // their own; the next term must not wait for them. Upstream's scheduler exits the process.
      ran.catch((err) => log(`scheduler: binding after leadership ended: ${err instanceof Error ? err.message : String(err)}`));
    } finally {
      signal.removeEventListener('abort', onAbort);
      term.stop();
      // The next campaign starts with its cache and queue already filled.
      if (!shutdown.signal.aborted && leaderElect) standby = prepareTerm();
    }
  }

  /**
   * Resolves TERM_WIND_DOWN_MS after `term` aborts because leadership was lost (never on
   * shutdown, which waits for every binding cycle). A term that lost its lease waited for its
   * binding cycles to drain before the scheduler could campaign again; on a swamped API server
   * (150,000 pods) those took minutes, and nothing was scheduled meanwhile.
   */
  function lostLeadershipGrace(term: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const start = () => {
        if (!shutdown.signal.aborted) clock.setTimer(TERM_WIND_DOWN_MS, resolve);
      };
      if (term.aborted) start();
      else term.addEventListener('abort', start, { once: true });
    });
  }

  if (leaderElect) standby = prepareTerm();
  const running = runWhileLeading(client, { lease: 'kube-scheduler', leaderElect, identity: options.identity, clock, log }, lead, shutdown.signal);

  return {
    client,
    started,
    async stop() {
      shutdown.abort();
      await running;
      standby?.stop();
      standby = undefined;
      informers.stop();
      if (ownClient) client.close();
    },
  };
}
