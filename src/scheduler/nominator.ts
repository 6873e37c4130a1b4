/**
 * The nominator: which pending pods were promised a node by preemption (status.nominatedNodeName),
 * so that Filter can count them on that node and the victims' room is not given to someone else.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { keyOf } from '../client/store.ts';

const NONE: readonly Pod[] = Object.freeze([]);

export class Nominator {
  private readonly byNode = new Map<string, Map<string, Pod>>();
  private readonly nodeOf = new Map<string, string>();

  /** Records `pod` as nominated to `nodeName` (default: its status.nominatedNodeName); no name clears it. */
  add(pod: Pod, nodeName = pod.status?.nominatedNodeName ?? ''): void {
    this.delete(pod);
    if (!nodeName) return;
    const key = keyOf(pod);
    let pods = this.byNode.get(nodeName);
    if (!pods) this.byNode.set(nodeName, (pods = new Map()));
    pods.set(key, pod);
    this.nodeOf.set(key, nodeName);
  }

  delete(pod: Pod): void {
    const key = keyOf(pod);
    const node = this.nodeOf.get(key);
    if (node === undefined) return;
    this.nodeOf.delete(key);
    const pods = this.byNode.get(node)!;
    pods.delete(key);
    if (pods.size === 0) this.byNode.delete(node);
  }

  /** Keeps a nomination across an update unless the new pod names another node (or the scheduler set one just now). */
  update(oldPod: Pod, newPod: Pod): void {
    const key = keyOf(newPod);
    const current = this.nodeOf.get(key);
    const named = newPod.status?.nominatedNodeName || '';
    this.add(newPod, named || (oldPod.status?.nominatedNodeName ? '' : current ?? ''));
  }

  /** The pods nominated to `nodeName`; a shared empty list when none (Filter asks for every node). */
  podsForNode(nodeName: string): readonly Pod[] {
    const pods = this.byNode.get(nodeName);
    return pods ? [...pods.values()] : NONE;
  }

  /** Whether any pod is nominated anywhere: lets Filter skip the nominated-pods pass cheaply. */
  get empty(): boolean {
    return this.byNode.size === 0;
  }
}
