/**
 * The pod garbage collector, as upstream's PodGC: every gcCheckPeriod it force-deletes (grace 0)
 * - pods bound to a node that no longer exists, once the node has been missing for a
 *   quarantine period and the API confirms it is gone (the informer may just be behind);
 * - terminated pods beyond terminatedPodGcThreshold, oldest first;
 * - pods being deleted that were never bound to a node.
 * One key ("pods") is swept; a node's deletion or an unbound pod's deletion sweeps at once.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isConflict, isNotFound, runReconciler, WorkQueue, type Result } from '../client/index.ts';
import type { ControllerConstructor } from './controller.ts';
import { terminatedPodsToDelete, unscheduledTerminatingPods } from './pod-gc-plan.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const SWEEP = 'pods';
const PARALLEL_DELETES = 10;

export interface PodGcTiming {
  /** How often the collector sweeps. Default 20 s, as upstream. */
  gcCheckPeriodMs: number;
  /** How long a node must be missing before its pods are deleted. Default 40 s, as upstream. */
  quarantineMs: number;
}

export const DEFAULT_POD_GC_TIMING: PodGcTiming = { gcCheckPeriodMs: 20_000, quarantineMs: 40_000 };

/** The pod GC controller with its sweep period and quarantine set (tests shorten them). */
export function podGcControllerWith(timing: Partial<PodGcTiming> = {}): ControllerConstructor {
  const { gcCheckPeriodMs, quarantineMs } = { ...DEFAULT_POD_GC_TIMING, ...timing };
  return (ctx) => {
    const nodes = ctx.informers.informerFor<Node>(NODES);
    const pods = ctx.informers.informerFor<Pod>(PODS);
    const queue = new WorkQueue({ clock: ctx.clock });
    /** node name → when the sweep first found pods bound to it and no such node */
    const missingSince = new Map<string, number>();

    nodes.addEventHandler({ onDelete: () => queue.add(SWEEP) });
    const onPod = (pod: Pod) => {
      if (pod.metadata?.deletionTimestamp && !pod.spec?.nodeName) queue.add(SWEEP);
    };
    pods.addEventHandler({ onAdd: onPod, onUpdate: (_, pod) => onPod(pod) });

    const forceDelete = async (victims: Pod[]) => {
      for (let i = 0; i < victims.length; i += PARALLEL_DELETES) {
        await Promise.all(
          victims.slice(i, i + PARALLEL_DELETES).map(async (pod) => {
            const { namespace, name, uid } = pod.metadata!;
            try {
              await ctx.client.delete(PODS, namespace, name!, { gracePeriodSeconds: 0, preconditions: { uid } });
            } catch (err) {
              if (!isNotFound(err) && !isConflict(err)) throw err;
            }
          }),
        );
      }
    };

    const nodeIsGone = async (name: string) => {
      try {
        await ctx.client.get(NODES, undefined, name);
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    };

    const sweep = async (): Promise<Result> => {
      const now = ctx.clock.now();
      const all = pods.cache.list();
      await forceDelete(terminatedPodsToDelete(all, ctx.options.terminatedPodGcThreshold));

      let wakeAt = now + gcCheckPeriodMs;
      const orphaned = new Map<string, Pod[]>();
      for (const pod of all) {
        const nodeName = pod.spec?.nodeName;
        if (!nodeName || nodes.cache.get(nodeName)) continue;
        orphaned.set(nodeName, [...(orphaned.get(nodeName) ?? []), pod]);
      }
      for (const name of [...missingSince.keys()]) if (!orphaned.has(name)) missingSince.delete(name);
      for (const [nodeName, victims] of orphaned) {
        const since = missingSince.get(nodeName) ?? now;
        missingSince.set(nodeName, since);
        if (now < since + quarantineMs) {
          wakeAt = Math.min(wakeAt, since + quarantineMs);
          continue;
        }
        if (!(await nodeIsGone(nodeName))) {
          missingSince.delete(nodeName);
          continue;
        }
        ctx.log(`pod-gc: deleting ${victims.length} pod(s) bound to node ${nodeName}, which no longer exists`);
        await forceDelete(victims);
      }

      await forceDelete(unscheduledTerminatingPods(all));
      return { requeueAfterMs: Math.max(1, wakeAt - now) };
    };

    return {
      name: 'pod-garbage-collector-controller',
      async run(signal) {
        queue.add(SWEEP);
        await runReconciler(queue, sweep, { log: ctx.log, name: 'pod-gc', signal });
      },
    };
  };
}

export const podGcController: ControllerConstructor = podGcControllerWith();
