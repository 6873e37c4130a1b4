/**
 * A pod's topology spread constraints as PodTopologySpread reads them: selectors built once
 * (matchLabelKeys folded in), policy defaults applied (nodeAffinityPolicy Honor,
 * nodeTaintsPolicy Ignore, minDomains 1), and the helpers both Filter and Score use.
 */
import type { Node, Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector, type LabelSelector } from '../../../api/labels.ts';
import type { PodInfo } from '../../framework/node-info.ts';
import type { NodeMatcher } from '../node-selector.ts';
import { findUntoleratedTaint } from '../taint-toleration.ts';

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/** The pod's constraints with the given whenUnsatisfiable, parsed. */
export function spreadConstraints(pod: Pod, when: 'DoNotSchedule' | 'ScheduleAnyway'): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  const labels = pod.metadata?.labels ?? {};
  for (const c of pod.spec?.topologySpreadConstraints ?? []) {
    if (c.whenUnsatisfiable !== when) continue;
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector: constraintSelector(c, labels),
      minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
    });
  }
  return out;
}

/** labelSelector plus, for each matchLabelKeys key the pod has, "key In (the pod's value)". */
function constraintSelector(c: TopologySpreadConstraint, podLabels: Record<string, string>): LabelSelector {
  const extra = (c.matchLabelKeys ?? [])
    .filter((k) => Object.prototype.hasOwnProperty.call(podLabels, k))
    .map((key) => ({ key, operator: 'In', values: [podLabels[key]] }));
  if (!c.labelSelector) return selectorFromLabelSelector(extra.length ? { matchExpressions: extra } : undefined);
  return selectorFromLabelSelector({ ...c.labelSelector, matchExpressions: [...(c.labelSelector.matchExpressions ?? []), ...extra] });
}

/** Whether the node carries every constraint's topology key. */
export function hasAllTopologyKeys(node: Node, constraints: SpreadConstraint[]): boolean {
  const labels = node.metadata?.labels;
  if (!labels) return constraints.length === 0;
  for (const c of constraints) if (!Object.prototype.hasOwnProperty.call(labels, c.topologyKey)) return false;
  return true;
}

/** Whether the node's domain counts for this constraint under its inclusion policies. */
export function nodeIncluded(c: SpreadConstraint, pod: Pod, node: Node, required: NodeMatcher | undefined): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && required && !required(node)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations ?? [])) return false;
  return true;
}

/** Pods in `namespace`, not terminating, that `selector` matches. */
export function countMatching(pods: PodInfo[], selector: LabelSelector, namespace: string): number {
  let n = 0;
  for (const { pod } of pods) {
    if (pod.metadata?.deletionTimestamp || pod.metadata?.namespace !== namespace) continue;
    if (selector.matches(pod.metadata?.labels)) n++;
  }
  return n;
}
