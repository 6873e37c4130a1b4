/**
 * Preemption's what-ifs: a private copy of a node to take pods off and put back, keeping the
 * cycle state's PreFilter counts in step, and the Filter run that also counts pods already
 * nominated to the node with at least the preemptor's priority (they were promised the room).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isSuccess, type CycleState, type Handle, type Status } from '../../framework/interface.ts';
import { MutableNodeInfo, newNodeInfo, type NodeInfo, type PodInfo } from '../../framework/node-info.ts';
import { podPriority } from './importance.ts';

/** The parts of the Handle a what-if needs. */
export type WhatIfRunner = Pick<Handle, 'runFilterPlugins' | 'runPreFilterAddPod' | 'runPreFilterRemovePod' | 'nominatedPodsForNode'>;

/** A copy of `info` that can change without touching the snapshot. */
export function mutableCopy(info: NodeInfo): MutableNodeInfo {
  if (info instanceof MutableNodeInfo) return info.clone();
  const copy = newNodeInfo(info.node);
  for (const p of info.pods) copy.addPod(p);
  return copy;
}

export class WhatIf {
  constructor(
    private readonly runner: WhatIfRunner,
    readonly state: CycleState,
    readonly pod: Pod,
    readonly nodeInfo: MutableNodeInfo,
  ) {}

  remove(p: PodInfo): Status {
    this.nodeInfo.removePod(p.pod);
    return this.runner.runPreFilterRemovePod(this.state, this.pod, p.pod, this.nodeInfo);
  }

  add(p: PodInfo): Status {
    this.nodeInfo.addPod(p);
    return this.runner.runPreFilterAddPod(this.state, this.pod, p.pod, this.nodeInfo);
  }

  /** Filters pass both with and without the node's nominated pods of equal or higher priority. */
  fits(): Status {
    const uid = this.pod.metadata?.uid;
    const nominated = this.runner
      .nominatedPodsForNode(this.nodeInfo.node.metadata?.name ?? '')
      .filter((p) => p.metadata?.uid !== uid && podPriority(p) >= podPriority(this.pod));
    if (nominated.length) {
      const state = this.state.clone();
      const info = this.nodeInfo.clone();
      for (const p of nominated) {
        info.addPod(p);
        const s = this.runner.runPreFilterAddPod(state, this.pod, p, info);
        if (!isSuccess(s)) return s;
      }
      const s = this.runner.runFilterPlugins(state, this.pod, info);
      if (!isSuccess(s)) return s;
    }
    return this.runner.runFilterPlugins(this.state, this.pod, this.nodeInfo);
  }
}
