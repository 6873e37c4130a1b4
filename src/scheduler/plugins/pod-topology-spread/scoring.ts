/**
 * PodTopologySpread's soft constraints (whenUnsatisfiable: ScheduleAnyway): a node scores by
 * how many matching pods its domains already hold, each constraint weighted by log(domains+2);
 * normalisation turns fewer into better. Nodes lacking a topology key are ignored (score 0).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { MAX_NODE_SCORE, type NodeScore } from '../../framework/interface.ts';
import type { NodeInfo } from '../../framework/node-info.ts';
import { requiredNodeMatcher } from '../node-affinity.ts';
import { countMatching, hasAllTopologyKeys, nodeIncluded, spreadConstraints, type SpreadConstraint } from './constraints.ts';

const HOSTNAME = 'kubernetes.io/hostname';

export interface SpreadScoreState {
  constraints: SpreadConstraint[];
  ignoredNodes: Set<string>;
  /** Per constraint: domain value → matching pods (hostname constraints are counted per node in Score). */
  podCounts: Map<string, number>[];
  weights: number[];
}

/** Prepares scoring over `filtered` nodes, counting pods on `all`; undefined when the pod has no soft constraints. */
export function computeScoreState(pod: Pod, filtered: NodeInfo[], all: NodeInfo[]): SpreadScoreState | undefined {
  const constraints = spreadConstraints(pod, 'ScheduleAnyway');
  if (constraints.length === 0 || filtered.length === 0) return undefined;
  const ignoredNodes = new Set<string>();
  const podCounts = constraints.map(() => new Map<string, number>());
  for (const info of filtered) {
    if (!hasAllTopologyKeys(info.node, constraints)) {
      ignoredNodes.add(info.node.metadata!.name!);
      continue;
    }
    for (let i = 0; i < constraints.length; i++) {
      const key = constraints[i].topologyKey;
      if (key === HOSTNAME) continue;
      const value = info.node.metadata!.labels![key];
      if (!podCounts[i].has(value)) podCounts[i].set(value, 0);
    }
  }
  const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? filtered.length - ignoredNodes.size : podCounts[i].size) + 2));
  const required = requiredNodeMatcher(pod);
  const namespace = pod.metadata?.namespace ?? 'default';
  for (const info of all) {
    if (!hasAllTopologyKeys(info.node, constraints)) continue;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i];
      const value = info.node.metadata!.labels![c.topologyKey];
      const count = podCounts[i].get(value);
      // Only domains of candidate nodes matter; hostname domains are counted in Score.
      if (count === undefined || !nodeIncluded(c, pod, info.node, required)) continue;
      podCounts[i].set(value, count + countMatching(info.pods, c.selector, namespace));
    }
  }
  return { constraints, ignoredNodes, podCounts, weights };
}

/** The raw score of one node: Σ count × weight + (maxSkew − 1), rounded. */
export function scoreSpread(s: SpreadScoreState, pod: Pod, info: NodeInfo): number {
  const labels = info.node.metadata?.labels ?? {};
  if (s.ignoredNodes.has(info.node.metadata?.name ?? '')) return 0;
  let score = 0;
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i];
    if (!Object.prototype.hasOwnProperty.call(labels, c.topologyKey)) continue;
    const count = c.topologyKey === HOSTNAME ? countMatching(info.pods, c.selector, pod.metadata?.namespace ?? 'default') : (s.podCounts[i].get(labels[c.topologyKey]) ?? 0);
    score += count * s.weights[i] + (c.maxSkew - 1);
  }
  return Math.round(score);
}

/** Fewer matching pods is better: MAX × (max + min − score) / max; ignored nodes get 0. */
export function normalizeSpread(s: SpreadScoreState, scores: NodeScore[]): void {
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  for (const sc of scores) {
    if (s.ignoredNodes.has(sc.name)) continue;
    min = Math.min(min, sc.score);
    max = Math.max(max, sc.score);
  }
  for (const sc of scores) {
    if (s.ignoredNodes.has(sc.name)) sc.score = 0;
    else if (max === 0) sc.score = MAX_NODE_SCORE;
    else sc.score = Math.trunc((MAX_NODE_SCORE * (max + min - sc.score)) / max);
  }
}
