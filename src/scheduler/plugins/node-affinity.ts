/**
 * NodeAffinity: a pod runs only on nodes its spec.nodeSelector and required node affinity
 * accept, and prefers nodes by the summed weights of the preferred terms they match. When
 * every required term names nodes by metadata.name, PreFilter narrows the cycle to them.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  status,
  SUCCESS,
  type FilterPlugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
} from '../framework/interface.ts';
import { NAMES } from './names.ts';
import { compileNodeSelectorMap, compileNodeSelectorTerm, compileNodeSelectorTerms, type NodeMatcher } from './node-selector.ts';
import { defaultNormalizeScore } from './normalize-score.ts';

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

/** What a pod requires of its node: nodeSelector and required node affinity, both must hold. */
export function requiredNodeMatcher(pod: Pod): NodeMatcher | undefined {
  const selector = pod.spec?.nodeSelector;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const bySelector = selector ? compileNodeSelectorMap(selector) : undefined;
  const byAffinity = required ? compileNodeSelectorTerms(required.nodeSelectorTerms ?? []) : undefined;
  if (!bySelector && !byAffinity) return undefined;
  if (!bySelector) return byAffinity;
  if (!byAffinity) return bySelector;
  return (node) => bySelector(node) && byAffinity(node);
}

/**
 * The node names the required terms restrict the pod to, when each term has a metadata.name
 * In requirement (terms are ORed, so one term without one means any node); undefined: no limit.
 */
export function nodeNamesFromAffinity(pod: Pod): Set<string> | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return undefined;
  const union = new Set<string>();
  for (const term of terms) {
    let names: Set<string> | undefined;
    for (const r of term.matchFields ?? []) {
      if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
      const values = new Set(r.values ?? []);
      names = names ? new Set([...names].filter((n) => values.has(n))) : values;
    }
    if (!names) return undefined;
    for (const n of names) union.add(n);
  }
  return union;
}

interface WeightedMatcher {
  weight: number;
  matches: NodeMatcher;
}

/** The sum of weights of the preferred terms `node` matches. */
export function preferredScore(preferred: WeightedMatcher[], node: Node): number {
  let sum = 0;
  for (const p of preferred) if (p.matches(node)) sum += p.weight;
  return sum;
}

const PRE_FILTER_KEY = 'PreFilter' + NAMES.NodeAffinity;
const PRE_SCORE_KEY = 'PreScore' + NAMES.NodeAffinity;

function preferredMatchers(pod: Pod): WeightedMatcher[] {
  const terms = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  return terms.filter((t) => t.weight !== 0).map((t) => ({ weight: t.weight, matches: compileNodeSelectorTerm(t.preference) }));
}

export const newNodeAffinity: PluginFactory = () => {
  const plugin: PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin = {
    name: NAMES.NodeAffinity,
    eventsToRegister: () => [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'UpdateNodeLabel' }],
    preFilter(state, pod) {
      const matcher = requiredNodeMatcher(pod);
      if (!matcher) return { status: status('Skip') };
      state.write(PRE_FILTER_KEY, matcher);
      const names = nodeNamesFromAffinity(pod);
      if (!names) return { status: SUCCESS };
      if (names.size === 0) return { status: status('UnschedulableAndUnresolvable', ERR_REASON_CONFLICT) };
      const result: PreFilterResult = { nodeNames: names };
      return { result, status: SUCCESS };
    },
    filter(state, pod, nodeInfo) {
      const matcher = state.read<NodeMatcher>(PRE_FILTER_KEY) ?? requiredNodeMatcher(pod);
      if (!matcher || matcher(nodeInfo.node)) return SUCCESS;
      return status('UnschedulableAndUnresolvable', ERR_REASON_POD);
    },
    preScore(state, pod) {
      const preferred = preferredMatchers(pod);
      if (preferred.length === 0) return status('Skip');
      state.write(PRE_SCORE_KEY, preferred);
      return SUCCESS;
    },
    score(state, pod, nodeInfo) {
      const preferred = state.read<WeightedMatcher[]>(PRE_SCORE_KEY) ?? preferredMatchers(pod);
      return preferredScore(preferred, nodeInfo.node);
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, false);
      return SUCCESS;
    },
  };
  return plugin;
};
