/**
 * The body of a hollow node's status post, as a kubelet makes it: a kubelet sends nodes/<name>/status
 * a strategic merge patch of what changed since the Node it last saw, and on nearly every post
 * only the conditions' heartbeat times have moved. Sending just those (about 0.5 KB instead of
 * the whole status) keeps both ends of thousands of idle nodes' posts cheap.
 */
import type { NodeStatus } from 'kubernetes-types/core/v1.js';

export interface NodeStatusPatch {
  type: 'strategic' | 'merge';
  patch: { status: object };
}

/**
 * The patch that takes `posted` (the status the API server last returned; undefined when none)
 * to `next`: heartbeat times only, by condition type, when nothing else differs; otherwise the
 * whole of `next` as a merge patch (conditions, a list, are then replaced whole).
 */
export function nodeStatusPatch(posted: NodeStatus | undefined, next: NodeStatus): NodeStatusPatch {
  const conditions = next.conditions ?? [];
  const onlyHeartbeats =
    posted !== undefined &&
    posted.conditions?.length === conditions.length &&
    conditions.every((c, i) => posted.conditions![i].type === c.type) &&
    jsonEqual(withoutHeartbeats(posted), withoutHeartbeats(next));
  if (!onlyHeartbeats) return { type: 'merge', patch: { status: next } };
  return {
    type: 'strategic',
    patch: {
      status: {
        '$setElementOrder/conditions': conditions.map((c) => ({ type: c.type })),
        conditions: conditions.map((c) => ({ type: c.type, lastHeartbeatTime: c.lastHeartbeatTime })),
      },
    },
  };
}

function withoutHeartbeats(status: NodeStatus): NodeStatus {
  return { ...status, conditions: status.conditions?.map(({ lastHeartbeatTime: _, ...rest }) => rest) };
}

/** Structural equality of JSON values; key order does not matter, and an undefined member counts as absent. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => jsonEqual(v, (b as unknown[])[i]));
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
