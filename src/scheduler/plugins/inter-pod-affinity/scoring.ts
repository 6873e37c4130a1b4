/**
 * InterPodAffinity's preferences: a node scores the summed weights of preferred terms that
 * pods in its topology domains satisfy — the incoming pod's preferred (anti-)affinity toward
 * existing pods, and existing pods' preferred (anti-)affinity and required affinity (at
 * hardPodAffinityWeight) toward the incoming pod. Normalised min..max onto 0..100.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { MAX_NODE_SCORE, type NodeScore, type SharedLister } from '../../framework/interface.ts';
import type { AffinityTerm, NodeInfo, PodInfo, WeightedAffinityTerm } from '../../framework/node-info.ts';
import { termMatches, topologyValue, type NamespaceLabels } from './terms.ts';

/** Topology key → value → score (few keys, so a node's score is a handful of lookups). */
export type TopologyScore = Map<string, Map<string, number>>;

function add(scores: TopologyScore, term: AffinityTerm, weight: number, pod: Pod, node: Node, namespaceLabels?: NamespaceLabels): void {
  if (weight === 0 || !termMatches(term, pod, namespaceLabels)) return;
  const value = topologyValue(node, term.topologyKey);
  if (value === undefined) return;
  let byValue = scores.get(term.topologyKey);
  if (!byValue) scores.set(term.topologyKey, (byValue = new Map()));
  byValue.set(value, (byValue.get(value) ?? 0) + weight);
}

function addWeighted(scores: TopologyScore, terms: WeightedAffinityTerm[], sign: number, pod: Pod, node: Node, namespaceLabels?: NamespaceLabels): void {
  for (const t of terms) add(scores, t, sign * t.weight, pod, node, namespaceLabels);
}

/** What one existing pod on `node` contributes. */
export function processExistingPod(
  scores: TopologyScore,
  incoming: PodInfo,
  existing: PodInfo,
  node: Node,
  o: { hardPodAffinityWeight: number; namespaceLabels?: NamespaceLabels },
): void {
  const nsLabels = o.namespaceLabels;
  addWeighted(scores, incoming.preferredAffinityTerms, 1, existing.pod, node, nsLabels);
  addWeighted(scores, incoming.preferredAntiAffinityTerms, -1, existing.pod, node, nsLabels);
  if (o.hardPodAffinityWeight > 0) for (const t of existing.requiredAffinityTerms) add(scores, t, o.hardPodAffinityWeight, incoming.pod, node, nsLabels);
  addWeighted(scores, existing.preferredAffinityTerms, 1, incoming.pod, node, nsLabels);
  addWeighted(scores, existing.preferredAntiAffinityTerms, -1, incoming.pod, node, nsLabels);
}

/**
 * Scores per topology pair; undefined when nothing can contribute. Only nodes running pods
 * with affinity terms matter unless the incoming pod has preferences of its own.
 */
export function computeScoreState(
  incoming: PodInfo,
  snapshot: SharedLister,
  o: { hardPodAffinityWeight: number; ignorePreferredTermsOfExistingPods: boolean; namespaceLabels?: NamespaceLabels },
): TopologyScore | undefined {
  const hasOwn = incoming.preferredAffinityTerms.length > 0 || incoming.preferredAntiAffinityTerms.length > 0;
  if (!hasOwn && o.ignorePreferredTermsOfExistingPods) return undefined;
  const nodes: NodeInfo[] = hasOwn ? snapshot.list() : snapshot.havePodsWithAffinity();
  if (nodes.length === 0) return undefined;
  const scores: TopologyScore = new Map();
  for (const info of nodes) {
    if (!info.node.metadata?.labels) continue;
    for (const existing of hasOwn ? info.pods : info.podsWithAffinity) processExistingPod(scores, incoming, existing, info.node, o);
  }
  return scores.size ? scores : undefined;
}

/** A node's raw score: the sum over the pairs it is in. */
export function scoreNode(scores: TopologyScore, node: Node): number {
  let sum = 0;
  for (const [key, byValue] of scores) {
    const value = topologyValue(node, key);
    if (value !== undefined) sum += byValue.get(value) ?? 0;
  }
  return sum;
}

/** min..max onto 0..MAX_NODE_SCORE; all equal → 0. */
export function normalizeAffinity(scores: NodeScore[]): void {
  let min = Infinity;
  let max = -Infinity;
  for (const s of scores) {
    min = Math.min(min, s.score);
    max = Math.max(max, s.score);
  }
  const diff = max - min;
  for (const s of scores) s.score = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (s.score - min)) / diff) : 0;
}
