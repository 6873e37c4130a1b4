/**
 * InterPodAffinity's required terms: the pod must land in a topology domain holding pods its
 * affinity selects, outside domains holding pods its anti-affinity selects, and outside
 * domains where an existing pod's anti-affinity selects it. PreFilter counts per topology
 * pair once; Filter looks the node's pairs up.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { status, SUCCESS, type SharedLister, type Status } from '../../framework/interface.ts';
import type { PodInfo } from '../../framework/node-info.ts';
import { matchesAllTerms, topologyValue, TopologyCounts, type NamespaceLabels } from './terms.ts';

export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

/** The counts Filter reads, updatable for preemption's what-ifs. */
export class AffinityFilterState {
  constructor(
    readonly podInfo: PodInfo,
    /** Pairs where an existing pod's required anti-affinity selects the incoming pod. */
    readonly existingAntiAffinity: TopologyCounts,
    /** Pairs holding pods every one of the incoming pod's affinity terms selects. */
    readonly affinity: TopologyCounts,
    /** Pairs holding pods one of the incoming pod's anti-affinity terms selects. */
    readonly antiAffinity: TopologyCounts,
    /** The pod matches its own required affinity terms (it may start a group of its kind). */
    readonly matchesOwnAffinity: boolean,
  ) {}

  /** Counts `other` in (+1) or out (−1) as if it ran on `node`. */
  update(other: PodInfo, node: Node, delta: number): void {
    const pod = this.podInfo.pod;
    this.existingAntiAffinity.addMatchingTerms(other.requiredAntiAffinityTerms, pod, node, delta);
    this.affinity.addIfAllTermsMatch(this.podInfo.requiredAffinityTerms, other.pod, node, delta);
    this.antiAffinity.addMatchingTerms(this.podInfo.requiredAntiAffinityTerms, other.pod, node, delta);
  }

  clone(): AffinityFilterState {
    return new AffinityFilterState(this.podInfo, this.existingAntiAffinity.clone(), this.affinity.clone(), this.antiAffinity.clone(), this.matchesOwnAffinity);
  }
}

/** Undefined when there is nothing to check: no required terms and no pod with required anti-affinity anywhere. */
export function computeFilterState(podInfo: PodInfo, snapshot: SharedLister, namespaceLabels?: NamespaceLabels): AffinityFilterState | undefined {
  const withAnti = snapshot.havePodsWithRequiredAntiAffinity();
  const hasTerms = podInfo.requiredAffinityTerms.length > 0 || podInfo.requiredAntiAffinityTerms.length > 0;
  if (!hasTerms && withAnti.length === 0) return undefined;
  const counts = () => new TopologyCounts(namespaceLabels);
  const matchesOwn = matchesAllTerms(podInfo.requiredAffinityTerms, podInfo.pod, namespaceLabels);
  const s = new AffinityFilterState(podInfo, counts(), counts(), counts(), matchesOwn);
  for (const info of withAnti) {
    for (const existing of info.podsWithRequiredAntiAffinity) s.existingAntiAffinity.addMatchingTerms(existing.requiredAntiAffinityTerms, podInfo.pod, info.node, 1);
  }
  if (hasTerms) {
    for (const info of snapshot.list()) {
      for (const existing of info.pods) {
        s.affinity.addIfAllTermsMatch(podInfo.requiredAffinityTerms, existing.pod, info.node, 1);
        s.antiAffinity.addMatchingTerms(podInfo.requiredAntiAffinityTerms, existing.pod, info.node, 1);
      }
    }
  }
  return s;
}

function satisfiesAffinity(s: AffinityFilterState, node: Node): boolean {
  let podsExist = true;
  for (const t of s.podInfo.requiredAffinityTerms) {
    const value = topologyValue(node, t.topologyKey);
    if (value === undefined) return false;
    if (s.affinity.get(t.topologyKey, value) <= 0) podsExist = false;
  }
  // The first pod of a group that wants to be with its own kind: when nothing in the cluster
  // matches yet and the pod matches its own terms, let it start the group anywhere.
  return podsExist || (s.affinity.size === 0 && s.matchesOwnAffinity);
}

function satisfiesAntiAffinity(s: AffinityFilterState, node: Node): boolean {
  if (s.antiAffinity.size === 0) return true;
  for (const t of s.podInfo.requiredAntiAffinityTerms) {
    const value = topologyValue(node, t.topologyKey);
    if (value !== undefined && s.antiAffinity.get(t.topologyKey, value) > 0) return false;
  }
  return true;
}

function satisfiesExistingAntiAffinity(s: AffinityFilterState, node: Node): boolean {
  return s.existingAntiAffinity.size === 0 || !s.existingAntiAffinity.anyPositiveOn(node);
}

/** The three checks in upstream's order and with its codes. */
export function filterAffinity(s: AffinityFilterState, node: Node): Status {
  if (!satisfiesAffinity(s, node)) return status('UnschedulableAndUnresolvable', ERR_REASON_AFFINITY);
  if (!satisfiesAntiAffinity(s, node)) return status('Unschedulable', ERR_REASON_ANTI_AFFINITY);
  if (!satisfiesExistingAntiAffinity(s, node)) return status('Unschedulable', ERR_REASON_EXISTING_ANTI_AFFINITY);
  return SUCCESS;
}
