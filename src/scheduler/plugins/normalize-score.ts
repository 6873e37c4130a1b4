/**
 * Upstream's DefaultNormalizeScore: scale raw scores so the highest becomes MAX_NODE_SCORE
 * (integer arithmetic, as upstream), optionally reversed so that fewer is better.
 */
import { MAX_NODE_SCORE, type NodeScore } from '../framework/interface.ts';

export function defaultNormalizeScore(scores: NodeScore[], reverse: boolean, max = MAX_NODE_SCORE): void {
  let highest = 0;
  for (const s of scores) if (s.score > highest) highest = s.score;
  if (highest === 0) {
    // Every node scored zero: nothing to prefer, unless reversed, where zero is the best.
    if (reverse) for (const s of scores) s.score = max;
    return;
  }
  for (const s of scores) {
    const scaled = Math.trunc((max * s.score) / highest);
    s.score = reverse ? max - scaled : scaled;
  }
}
