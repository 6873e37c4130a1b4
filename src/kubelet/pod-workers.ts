/**
 * One worker per pod (upstream's podWorkers): every change to a pod — from the API (its
 * informer), the runtime (the PLEG), a probe, a back-off running out or the periodic resync —
 * queues the pod's uid, and a sync runs for it, never two at once for one pod (the work
 * queue's processing set), with many pods synced in parallel. Keys are uids, so a pod deleted
 * and re-created under the same name is two pods.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { runReconciler, WorkQueue, type Clock, type EventHandler, type Result } from '../client/index.ts';

export interface PodWorkersOptions {
  sync(uid: string, pod: Pod | undefined): Promise<Result>;
  clock: Clock;
  /** Pods synced at once. Default 32. */
  workers?: number;
  log: (line: string) => void;
}

export class PodWorkers {
  /** The API's pods bound to this node, by uid. */
  private readonly pods = new Map<string, Pod>();
  private readonly queue: WorkQueue;
  private running?: Promise<void>;

  constructor(private readonly options: PodWorkersOptions) {
    this.queue = new WorkQueue({ clock: options.clock });
  }

  /** Informer handlers that keep the pod map current and queue every change. */
  handler(): EventHandler<Pod> {
    return {
      onAdd: (pod) => this.set(pod),
      onUpdate: (old, pod) => {
        if (old.metadata?.uid !== pod.metadata?.uid) this.forget(old);
        this.set(pod);
      },
      onDelete: (pod) => this.forget(pod),
    };
  }

  /** Queues a sync of pod `uid`. */
  enqueue(uid: string): void {
    this.queue.add(uid);
  }

  /** The uids of the pods the API has bound here. */
  known(): string[] {
    return [...this.pods.keys()];
  }

  start(): void {
    this.running = runReconciler(this.queue, (uid) => this.options.sync(uid, this.pods.get(uid)), {
      workers: this.options.workers ?? 32,
      log: this.options.log,
      name: 'pod worker',
    });
  }

  /** Stops taking work; resolves when the syncs in flight have finished. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.running;
  }

  private set(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.pods.set(uid, pod);
    this.queue.add(uid);
  }

  private forget(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.pods.delete(uid);
    this.queue.add(uid);
  }
}
