/**
 * Choosing among preemption candidates, as upstream: fewest PodDisruptionBudget violations,
 * then the lowest highest-priority victim, the smallest sum of victim priorities, the fewest
 * victims, and the latest start among the highest-priority victims (evict the newest work);
 * still tied, the first candidate.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podPriority, podStartTime } from './importance.ts';

/** A node where evicting `victims` (most important first) lets the preemptor fit. */
export interface Candidate {
  nodeName: string;
  victims: Pod[];
  numPDBViolations: number;
}

/** Shifts priorities to non-negative so sums compare as upstream's (which add 2^31 each). */
const PRIORITY_OFFSET = 2 ** 31;

function earliestStartOfHighest(victims: Pod[], now: number): number {
  const highest = podPriority(victims[0]);
  let earliest = Infinity;
  for (const v of victims) if (podPriority(v) === highest) earliest = Math.min(earliest, podStartTime(v, now));
  return earliest;
}

/** The candidate to preempt on; undefined for none. Each criterion is "higher is better". */
export function pickOneNodeForPreemption(candidates: Candidate[], now: number): Candidate | undefined {
  const criteria: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -podPriority(c.victims[0]),
    (c) => -c.victims.reduce((sum, v) => sum + podPriority(v) + PRIORITY_OFFSET, 0),
    (c) => -c.victims.length,
    (c) => earliestStartOfHighest(c.victims, now),
  ];
  let remaining = candidates;
  for (const score of criteria) {
    if (remaining.length <= 1) break;
    let best = -Infinity;
    let selected: Candidate[] = [];
    for (const c of remaining) {
      const s = score(c);
      if (s > best) {
        best = s;
        selected = [c];
      } else if (s === best) selected.push(c);
    }
    remaining = selected;
  }
  return remaining[0];
}
