/**
 * InterPodAffinity: places pods relative to other pods — required affinity and anti-affinity
 * filter (including existing pods' anti-affinity toward the newcomer), preferred terms score.
 * Args (upstream's InterPodAffinityArgs): hardPodAffinityWeight (default 1),
 * ignorePreferredTermsOfExistingPods (default false).
 */
import {
  status,
  SUCCESS,
  type CycleState,
  type FilterPlugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from '../../framework/interface.ts';
import { newPodInfo } from '../../framework/node-info.ts';
import { NAMES } from '../names.ts';
import { AffinityFilterState, computeFilterState, filterAffinity } from './filtering.ts';
import { computeScoreState, normalizeAffinity, scoreNode, type TopologyScore } from './scoring.ts';

const PRE_FILTER_KEY = 'PreFilter' + NAMES.InterPodAffinity;
const PRE_SCORE_KEY = 'PreScore' + NAMES.InterPodAffinity;

export interface InterPodAffinityArgs {
  hardPodAffinityWeight?: number;
  ignorePreferredTermsOfExistingPods?: boolean;
}

export const newInterPodAffinity: PluginFactory = (rawArgs, handle) => {
  const args = (rawArgs ?? {}) as InterPodAffinityArgs;
  const namespaceLabels = handle.namespaceLabels?.bind(handle);
  const scoring = {
    hardPodAffinityWeight: args.hardPodAffinityWeight ?? 1,
    ignorePreferredTermsOfExistingPods: args.ignorePreferredTermsOfExistingPods ?? false,
    namespaceLabels,
  };
  const filterState = (state: CycleState) => state.read<AffinityFilterState>(PRE_FILTER_KEY);

  const plugin: PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin = {
    name: NAMES.InterPodAffinity,
    eventsToRegister: () => [
      { resource: 'Pod', action: 'Add' },
      { resource: 'Pod', action: 'UpdatePodLabel' },
      { resource: 'Pod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
    ],
    preFilter(state, pod) {
      const s = computeFilterState(newPodInfo(pod), handle.snapshot(), namespaceLabels);
      if (!s) return { status: status('Skip') };
      state.write(PRE_FILTER_KEY, s);
      return { status: SUCCESS };
    },
    addPod(state, _pod, podToAdd, nodeInfo) {
      filterState(state)?.update(newPodInfo(podToAdd), nodeInfo.node, 1);
      return SUCCESS;
    },
    removePod(state, _pod, podToRemove, nodeInfo) {
      filterState(state)?.update(newPodInfo(podToRemove), nodeInfo.node, -1);
      return SUCCESS;
    },
    filter(state, _pod, nodeInfo) {
      const s = filterState(state);
      return s ? filterAffinity(s, nodeInfo.node) : SUCCESS;
    },
    preScore(state, pod) {
      const scores = computeScoreState(newPodInfo(pod), handle.snapshot(), scoring);
      if (!scores) return status('Skip');
      state.write(PRE_SCORE_KEY, scores);
      return SUCCESS;
    },
    score(state, _pod, nodeInfo) {
      const scores = state.read<TopologyScore>(PRE_SCORE_KEY);
      return scores ? scoreNode(scores, nodeInfo.node) : 0;
    },
    normalizeScore(state, _pod, scores) {
      if (state.read<TopologyScore>(PRE_SCORE_KEY)) normalizeAffinity(scores);
      return SUCCESS;
    },
  };
  return plugin;
};
