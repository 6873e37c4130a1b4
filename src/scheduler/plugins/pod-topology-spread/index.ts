/**
 * PodTopologySpread: spreads matching pods evenly over topology domains (zones, nodes, ...)
 * as the pod's topologySpreadConstraints ask — hard constraints filter, soft ones score.
 * Pods without constraints are skipped at both PreFilter and PreScore.
 */
import {
  status,
  SUCCESS,
  type FilterPlugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from '../../framework/interface.ts';
import { NAMES } from '../names.ts';
import { computeFilterState, filterSpread, PRE_FILTER_KEY, readFilterState } from './filtering.ts';
import { computeScoreState, normalizeSpread, scoreSpread, type SpreadScoreState } from './scoring.ts';

const PRE_SCORE_KEY = 'PreScore' + NAMES.PodTopologySpread;

export const newPodTopologySpread: PluginFactory = (_args, handle) => {
  const plugin: PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin = {
    name: NAMES.PodTopologySpread,
    eventsToRegister: () => [
      { resource: 'Pod', action: 'Add' },
      { resource: 'Pod', action: 'UpdatePodLabel' },
      { resource: 'Pod', action: 'Delete' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'UpdateNodeLabel' },
      { resource: 'Node', action: 'UpdateNodeTaint' },
      { resource: 'Node', action: 'Delete' },
    ],
    preFilter(state, pod) {
      const s = computeFilterState(pod, handle.snapshot().list());
      if (!s) return { status: status('Skip') };
      state.write(PRE_FILTER_KEY, s);
      return { status: SUCCESS };
    },
    addPod(state, podToSchedule, podToAdd, nodeInfo) {
      readFilterState(state)?.update(podToAdd, podToSchedule, nodeInfo.node, 1);
      return SUCCESS;
    },
    removePod(state, podToSchedule, podToRemove, nodeInfo) {
      readFilterState(state)?.update(podToRemove, podToSchedule, nodeInfo.node, -1);
      return SUCCESS;
    },
    filter(state, pod, nodeInfo) {
      const s = readFilterState(state);
      return s ? filterSpread(s, pod, nodeInfo.node) : SUCCESS;
    },
    preScore(state, pod, nodes) {
      const s = computeScoreState(pod, nodes, handle.snapshot().list());
      if (!s) return status('Skip');
      state.write(PRE_SCORE_KEY, s);
      return SUCCESS;
    },
    score(state, pod, nodeInfo) {
      const s = state.read<SpreadScoreState>(PRE_SCORE_KEY);
      return s ? scoreSpread(s, pod, nodeInfo) : 0;
    },
    normalizeScore(state, _pod, scores) {
      const s = state.read<SpreadScoreState>(PRE_SCORE_KEY);
      if (s) normalizeSpread(s, scores);
      return SUCCESS;
    },
  };
  return plugin;
};
