/**
 * PodTopologySpread's hard constraints (whenUnsatisfiable: DoNotSchedule): placing the pod in
 * a domain must not make that domain exceed the least populated one by more than maxSkew.
 * PreFilter counts matching pods per domain once; Filter is O(constraints) per node.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { status, SUCCESS, type CycleState, type Status } from '../../framework/interface.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import { requiredNodeMatcher } from '../node-affinity.ts';
import { countMatching, hasAllTopologyKeys, nodeIncluded, spreadConstraints, type SpreadConstraint } from './constraints.ts';
import { CriticalPaths } from './critical-paths.ts';

export const ERR_REASON_CONSTRAINTS = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_LABEL = ERR_REASON_CONSTRAINTS + ' (missing required label)';
export const PRE_FILTER_KEY = 'PreFilterPodTopologySpread';

/** Per constraint: matching pods per domain value, the two emptiest domains, and how many domains there are. */
export class SpreadFilterState {
  constructor(
    readonly constraints: SpreadConstraint[],
    readonly matchNum: Map<string, number>[],
    readonly paths: CriticalPaths[],
  ) {}

  /** Counts `pod` in or out (delta ±1) of the domains of `node`, as preemption's what-ifs need. */
  update(pod: Pod, preemptor: Pod, node: Node, delta: number): void {
    if (pod.metadata?.namespace !== preemptor.metadata?.namespace || !hasAllTopologyKeys(node, this.constraints)) return;
    for (let i = 0; i < this.constraints.length; i++) {
      const c = this.constraints[i];
      if (!c.selector.matches(pod.metadata?.labels)) continue;
      const value = node.metadata!.labels![c.topologyKey];
      const n = (this.matchNum[i].get(value) ?? 0) + delta;
      this.matchNum[i].set(value, n);
      this.paths[i].update(value, n);
    }
  }

  clone(): SpreadFilterState {
    return new SpreadFilterState(this.constraints, this.matchNum.map((m) => new Map(m)), this.paths.map((p) => p.clone()));
  }
}

/** Counts matching pods per domain over every node that qualifies; undefined when the pod has no hard constraints. */
export function computeFilterState(pod: Pod, nodes: NodeInfo[]): SpreadFilterState | undefined {
  const constraints = spreadConstraints(pod, 'DoNotSchedule');
  if (constraints.length === 0) return undefined;
  const required = requiredNodeMatcher(pod);
  const namespace = pod.metadata?.namespace ?? 'default';
  const matchNum = constraints.map(() => new Map<string, number>());
  for (const info of nodes) {
    if (!hasAllTopologyKeys(info.node, constraints)) continue;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i];
      if (!nodeIncluded(c, pod, info.node, required)) continue;
      const value = info.node.metadata!.labels![c.topologyKey];
      matchNum[i].set(value, (matchNum[i].get(value) ?? 0) + countMatching(info.pods, c.selector, namespace));
    }
  }
  const paths = matchNum.map((m) => {
    const p = new CriticalPaths();
    for (const [value, n] of m) p.update(value, n);
    return p;
  });
  return new SpreadFilterState(constraints, matchNum, paths);
}

/** The skew check for one node. */
export function filterSpread(s: SpreadFilterState, pod: Pod, node: Node): Status {
  const labels = node.metadata?.labels ?? {};
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i];
    if (!Object.prototype.hasOwnProperty.call(labels, c.topologyKey)) return status('UnschedulableAndUnresolvable', ERR_REASON_LABEL);
    // Fewer domains than minDomains: the missing ones count as empty, so the minimum is 0.
    const min = s.matchNum[i].size < c.minDomains ? 0 : s.paths[i].min;
    const self = c.selector.matches(pod.metadata?.labels) ? 1 : 0;
    const skew = (s.matchNum[i].get(labels[c.topologyKey]) ?? 0) + self - min;
    if (skew > c.maxSkew) return status('Unschedulable', ERR_REASON_CONSTRAINTS);
  }
  return SUCCESS;
}

export function readFilterState(state: CycleState): SpreadFilterState | undefined {
  return state.read<SpreadFilterState>(PRE_FILTER_KEY);
}
