/**
 * Victims on one node, as upstream's SelectVictimsOnNode: take every lower-priority pod off;
 * if the preemptor still does not fit, the node is no candidate. Otherwise put pods back, most
 * important first — budget-violating ones before the rest, so budgets are spared where
 * possible — and keep as victims only those whose return makes the preemptor not fit.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { isSuccess, status, type CycleState, type Status } from '../../framework/interface.ts';
import type { NodeInfo, PodInfo } from '../../framework/node-info.ts';
import { byImportance, podPriority } from './importance.ts';
import { splitByPDBViolation } from './pdb.ts';
import { mutableCopy, WhatIf, type WhatIfRunner } from './what-if.ts';

export const NO_VICTIMS = 'No preemption victims found for incoming pod';

export type VictimsResult = { victims: Pod[]; numPDBViolations: number; status: Status };

/** Works on copies: `state` and `nodeInfo` are left as they were. */
export function selectVictimsOnNode(
  runner: WhatIfRunner,
  state: CycleState,
  pod: Pod,
  nodeInfo: NodeInfo,
  pdbs: PodDisruptionBudget[],
  now: number,
): VictimsResult {
  const w = new WhatIf(runner, state.clone(), pod, mutableCopy(nodeInfo));
  const fail = (s: Status): VictimsResult => ({ victims: [], numPDBViolations: 0, status: s });
  const priority = podPriority(pod);
  const potential: PodInfo[] = nodeInfo.pods.filter((p) => podPriority(p.pod) < priority);
  if (potential.length === 0) return fail(status('UnschedulableAndUnresolvable', NO_VICTIMS));
  for (const p of potential) {
    const s = w.remove(p);
    if (!isSuccess(s)) return fail(s);
  }
  const fitsWithout = w.fits();
  if (!isSuccess(fitsWithout)) return fail(fitsWithout);

  const important = byImportance(now);
  potential.sort((a, b) => important(a.pod, b.pod));
  const { violating, nonViolating } = splitByPDBViolation(potential, pdbs);
  const victims: Pod[] = [];
  let numPDBViolations = 0;
  const reprieve = (p: PodInfo): boolean => {
    w.add(p);
    if (isSuccess(w.fits())) return true;
    w.remove(p);
    victims.push(p.pod);
    return false;
  };
  for (const p of violating) if (!reprieve(p)) numPDBViolations++;
  for (const p of nonViolating) reprieve(p);
  victims.sort(important);
  return { victims, numPDBViolations, status: status('Success') };
}
