/**
 * TaintToleration: a node's NoSchedule and NoExecute taints keep off pods that do not tolerate
 * them; PreferNoSchedule taints only lower a node's score, the more untolerated ones the lower.
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { tolerates } from '../../controllers/taints.ts';
import {
  status,
  SUCCESS,
  type FilterPlugin,
  type PluginFactory,
  type PreScorePlugin,
  type ScorePlugin,
} from '../framework/interface.ts';
import { NAMES } from './names.ts';
import { defaultNormalizeScore } from './normalize-score.ts';

function toleratedBy(taint: Taint, tolerations: Toleration[]): boolean {
  for (const t of tolerations) if (tolerates(t, taint)) return true;
  return false;
}

/** The first NoSchedule/NoExecute taint none of `tolerations` tolerates, if any. */
export function findUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: Toleration[]): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) {
    if ((taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !toleratedBy(taint, tolerations)) return taint;
  }
  return undefined;
}

/** How many PreferNoSchedule taints `tolerations` (those with that effect or none) leave untolerated. */
export function countIntolerablePreferNoSchedule(taints: readonly Taint[] | undefined, tolerations: Toleration[]): number {
  let n = 0;
  if (taints) for (const taint of taints) if (taint.effect === 'PreferNoSchedule' && !toleratedBy(taint, tolerations)) n++;
  return n;
}

const PRE_SCORE_KEY = 'PreScore' + NAMES.TaintToleration;
const NO_TOLERATIONS: Toleration[] = [];

export const newTaintToleration: PluginFactory = () => {
  const plugin: FilterPlugin & PreScorePlugin & ScorePlugin = {
    name: NAMES.TaintToleration,
    eventsToRegister: () => [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'UpdateNodeTaint' }, { resource: 'Pod', action: 'Update' }],
    filter(_state, pod, nodeInfo) {
      const taint = findUntoleratedTaint(nodeInfo.taints, pod.spec?.tolerations ?? NO_TOLERATIONS);
      if (!taint) return SUCCESS;
      return status('UnschedulableAndUnresolvable', `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
    },
    preScore(state, pod) {
      const preferNoSchedule = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
      state.write(PRE_SCORE_KEY, preferNoSchedule);
      return SUCCESS;
    },
    score(state, _pod, nodeInfo) {
      const tolerations = state.read<Toleration[]>(PRE_SCORE_KEY) ?? [];
      return countIntolerablePreferNoSchedule(nodeInfo.taints, tolerations);
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, true);
      return SUCCESS;
    },
  };
  return plugin;
};
