/**
 * Taints and tolerations as the scheduler and the taint eviction controller read them: whether
 * a toleration matches a taint, and when a pod on a node with NoExecute taints must go.
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

/**
 * Upstream's ToleratesTaint: the effect matches (an empty effect matches every effect), the key
 * matches (an empty key with Exists matches every key), and the value matches (Exists ignores
 * it; Equal, the default operator, compares it).
 */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const operator = toleration.operator || 'Equal';
  if (operator === 'Exists') return true;
  if (!toleration.key) return false;
  return (toleration.value ?? '') === (taint.value ?? '');
}

/**
 * When a pod with `tolerations` on a node with `taints` must be evicted (ms since the epoch),
 * taking only NoExecute taints into account: `now` if one of them is not tolerated, undefined
 * if it may stay for good, else the earliest moment a toleration of a taint runs out — its
 * tolerationSeconds counted from when the taint was added (taint.timeAdded; `now` if unknown).
 * tolerationSeconds ≤ 0 means at once, as upstream.
 */
export function evictionTime(tolerations: Toleration[] | undefined, taints: Taint[] | undefined, now: number): number | undefined {
  let earliest: number | undefined;
  for (const taint of taints ?? []) {
    if (taint.effect !== 'NoExecute') continue;
    const matching = (tolerations ?? []).filter((t) => tolerates(t, taint));
    if (matching.length === 0) return now;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : NaN;
    const since = Number.isFinite(added) ? added : now;
    for (const t of matching) {
      if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
      const at = t.tolerationSeconds <= 0 ? now : since + t.tolerationSeconds * 1000;
      earliest = earliest === undefined ? at : Math.min(earliest, at);
    }
  }
  return earliest;
}
