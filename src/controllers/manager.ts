/**
 * The controller manager: builds the shared context (API client, informers, event recorders),
 * and while it leads (a Lease in kube-system, so two managers never act at once) constructs
 * every controller, starts and syncs the informers, and runs the controllers until leadership
 * ends or it is stopped. Each leadership term starts from fresh informers, so nothing a
 * previous term cached is trusted.
 */
import { setMaxListeners } from 'node:events';
import { EventRecorder, InformerFactory, realClock, RestClient, runWhileLeading, type Clock, type ClusterConnection } from '../client/index.ts';
import { DEFAULT_CONTROLLER_MANAGER_OPTIONS, type Controller, type ControllerConstructor, type ControllerContext, type ControllerManagerOptions } from './controller.ts';

export interface ControllerManagerConfig {
  /** Where to find the API server; or pass `connection` (the loopback of one in this process). */
  kubeconfigPath?: string;
  connection?: ClusterConnection;
  controllers: readonly ControllerConstructor[];
  options?: Partial<ControllerManagerOptions>;
  /** Campaign for the `kube-controller-manager` Lease first. Default true. */
  leaderElection?: boolean;
  /** This manager's identity in the Lease. Default: host name + random suffix. */
  identity?: string;
  clock?: Clock;
  log?: (line: string) => void;
  /**
   * Share cached objects with the other informers of this process (the scheduler's, in
   * `skiff server`): one copy of each pod and node instead of one per component. Default false.
   */
  shareObjects?: boolean;
}

export interface RunningControllerManager {
  client: RestClient;
  /** Resolves once the controllers run (after leadership and informer sync). */
  started: Promise<void>;
  stop(): Promise<void>;
}

export async function startControllerManager(config: ControllerManagerConfig): Promise<RunningControllerManager> {
  const log = config.log ?? (() => {});
  const clock = config.clock ?? realClock;
  const clientOptions = { clock, userAgent: 'skiff-controller-manager' };
  if (!config.connection && !config.kubeconfigPath) throw new Error('startControllerManager: pass kubeconfigPath or connection');
  const client = config.connection ? RestClient.fromConnection(config.connection, clientOptions) : await RestClient.fromKubeconfig(config.kubeconfigPath!, clientOptions);
  const options = { ...DEFAULT_CONTROLLER_MANAGER_OPTIONS, ...config.options };
  const shutdown = new AbortController();
  setMaxListeners(0, shutdown.signal);
  let markStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));

  /** One leadership term: fresh informers, every controller, until `signal` aborts. */
  async function lead(signal: AbortSignal): Promise<void> {
    // Every controller and informer of the term listens for its end.
    setMaxListeners(0, signal);
    const informers = new InformerFactory(client, { clock, log, shareObjects: config.shareObjects });
    const ctx: ControllerContext = {
      client,
      informers,
      recorder: (component) => new EventRecorder(client, { component, clock, log }),
      clock,
      log,
      options,
    };
    const controllers: Controller[] = config.controllers.map((make) => make(ctx));
    informers.start();
    try {
      if (!(await informers.waitForSync(signal))) return;
      log(`controller-manager: caches synced, running ${controllers.map((c) => c.name).join(', ')}`);
      markStarted();
      await Promise.all(
        controllers.map((c) =>
          c.run(signal).catch((err) => log(`controller-manager: ${c.name} stopped with an error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)),
        ),
      );
    } finally {
      informers.stop();
    }
  }

  const running = runWhileLeading(client, { lease: 'kube-controller-manager', leaderElect: config.leaderElection !== false, identity: config.identity, clock, log }, lead, shutdown.signal);

  return {
    client,
    started,
    async stop() {
      shutdown.abort();
      await running;
      client.close();
    },
  };
}
