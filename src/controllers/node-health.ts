/**
 * The node lifecycle controller's judgement of one node, with no I/O: when it was last heard
 * from, which conditions to set to Unknown once it has been silent too long, and which
 * condition taints it should carry (upstream's TaintNodesByCondition and NoExecute tainting).
 */
import { formatTime } from '../api/time.ts';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../api/defaults/default-tolerations.ts';

export { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE };

/** The conditions the controller vouches for no longer once the kubelet falls silent, as upstream. */
export const CONDITIONS_SET_UNKNOWN = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** NoSchedule taints standing for a condition with status True (Ready is handled apart). */
const CONDITION_TAINTS: Record<string, string> = {
  MemoryPressure: 'node.kubernetes.io/memory-pressure',
  DiskPressure: 'node.kubernetes.io/disk-pressure',
  PIDPressure: 'node.kubernetes.io/pid-pressure',
  NetworkUnavailable: 'node.kubernetes.io/network-unavailable',
};
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** Every taint this controller adds and removes; other taints on a node are left alone. */
const MANAGED = new Set([
  ...[TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE].flatMap((key) => [`${key}:NoSchedule`, `${key}:NoExecute`]),
  ...Object.values(CONDITION_TAINTS).map((key) => `${key}:NoSchedule`),
  `${TAINT_NODE_UNSCHEDULABLE}:NoSchedule`,
]);

/**
 * The last time the node's kubelet was heard from (ms): its Lease's renewTime or its Ready
 * condition's heartbeat, whichever is later; a node never heard from counts from its creation.
 */
export function lastHeartbeat(node: Node, lease: Lease | undefined): number {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const times = [lease?.spec?.renewTime, ready?.lastHeartbeatTime, node.metadata?.creationTimestamp]
    .map((t) => (t ? Date.parse(t) : NaN))
    .filter(Number.isFinite);
  return times.length ? Math.max(...times) : 0;
}

/**
 * The conditions of a node whose kubelet stopped posting: those of {@link CONDITIONS_SET_UNKNOWN}
 * set to Unknown (added when missing); undefined when they all are already.
 */
export function unknownConditions(node: Node, now: number): NodeCondition[] | undefined {
  const stamp = formatTime(now);
  const conditions = structuredClone(node.status?.conditions ?? []);
  let changed = false;
  for (const type of CONDITIONS_SET_UNKNOWN) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      conditions.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp,
        lastTransitionTime: stamp,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: stamp });
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}

/** The managed taints `node` should carry, by its conditions and spec.unschedulable. */
export function conditionTaints(node: Node): Taint[] {
  const status = (type: string) => node.status?.conditions?.find((c) => c.type === type)?.status;
  const taints: Taint[] = [];
  const ready = status('Ready');
  if (ready === 'False') taints.push({ key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NODE_NOT_READY, effect: 'NoExecute' });
  if (ready === 'Unknown') taints.push({ key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' });
  for (const [type, key] of Object.entries(CONDITION_TAINTS)) if (status(type) === 'True') taints.push({ key, effect: 'NoSchedule' });
  if (node.spec?.unschedulable) taints.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  return taints;
}

/**
 * The node's spec.taints with the managed ones made to match its conditions — taints already
 * there kept as they are (their timeAdded with them), NoExecute ones added stamped `now` —
 * or undefined when nothing changes.
 */
export function reconcileTaints(node: Node, now: number): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const id = (t: Taint) => `${t.key}:${t.effect}`;
  const wanted = conditionTaints(node);
  const wantedIds = new Set(wanted.map(id));
  const kept = current.filter((t) => !MANAGED.has(id(t)) || wantedIds.has(id(t)));
  const keptIds = new Set(kept.map(id));
  const added = wanted.filter((t) => !keptIds.has(id(t))).map((t) => (t.effect === 'NoExecute' ? { ...t, timeAdded: formatTime(now) } : t));
  if (added.length === 0 && kept.length === current.length) return undefined;
  return [...kept, ...added];
}
