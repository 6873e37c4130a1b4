/**
 * Feeds informer changes to the scheduler: assigned pods and nodes go to the cache, pending
 * pods this scheduler is responsible for go to the queue, and every change that may help an
 * unschedulable pod becomes the cluster event the plugins registered for.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { EventHandler, Informer } from '../client/informer.ts';
import { isTerminal, type SchedulerCache } from './cache.ts';
import { assignedPodUpdateEvent, nodeUpdateEvents } from './cluster-events.ts';
import { DEFAULT_SCHEDULER_NAME } from './config.ts';
import type { SchedulingQueue } from './queue.ts';

export interface EventHandlerTargets {
  podInformer: Pick<Informer<Pod>, 'addEventHandler' | 'removeEventHandler'>;
  nodeInformer: Pick<Informer<Node>, 'addEventHandler' | 'removeEventHandler'>;
  cache: SchedulerCache;
  queue: SchedulingQueue;
  /** Whether a profile of this scheduler has this schedulerName. */
  isResponsibleFor: (schedulerName: string) => boolean;
}

const isAssigned = (pod: Pod): boolean => !!pod.spec?.nodeName;

/** Registers the handlers; returns what unregisters them (the informers go on for the next term). */
export function addEventHandlers(t: EventHandlerTargets): () => void {
  const { cache, queue } = t;
  const responsible = (pod: Pod) => t.isResponsibleFor(pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) && !pod.metadata?.deletionTimestamp && !isTerminal(pod);

  const podHandler: EventHandler<Pod> = {
    onAdd(pod) {
      if (isAssigned(pod)) {
        cache.addPod(pod);
        queue.moveAllToActiveOrBackoffQueue({ resource: 'Pod', action: 'Add' });
      } else if (responsible(pod)) {
        queue.add(pod);
      }
    },
    onUpdate(old, pod) {
      if (isAssigned(old)) {
        cache.updatePod(old, pod);
        const event = assignedPodUpdateEvent(old, pod);
        if (event) queue.moveAllToActiveOrBackoffQueue(event);
      } else if (isAssigned(pod)) {
        // Bound (by us or anyone): it leaves the queue and counts on its node.
        queue.delete(pod);
        cache.addPod(pod);
        queue.moveAllToActiveOrBackoffQueue({ resource: 'Pod', action: 'Add' });
      } else if (responsible(pod)) {
        // Our own assumed pods change while their binding is in flight; nothing to redo.
        if (!cache.isAssumedPod(pod)) queue.update(old, pod);
      } else {
        queue.delete(pod);
      }
    },
    onDelete(pod) {
      if (isAssigned(pod)) {
        cache.removePod(pod);
        queue.moveAllToActiveOrBackoffQueue({ resource: 'Pod', action: 'Delete' });
      } else {
        queue.delete(pod);
      }
    },
  };

  const nodeHandler: EventHandler<Node> = {
    onAdd(node) {
      cache.addNode(node);
      queue.moveAllToActiveOrBackoffQueue({ resource: 'Node', action: 'Add' });
    },
    onUpdate(old, node) {
      cache.updateNode(old, node);
      for (const event of nodeUpdateEvents(old, node)) queue.moveAllToActiveOrBackoffQueue(event);
    },
    onDelete(node) {
      cache.removeNode(node);
    },
  };
  // Nodes first, so that the pods a new term is handed land on nodes the cache knows.
  t.nodeInformer.addEventHandler(nodeHandler);
  t.podInformer.addEventHandler(podHandler);
  return () => {
    t.podInformer.removeEventHandler(podHandler);
    t.nodeInformer.removeEventHandler(nodeHandler);
  };
}
