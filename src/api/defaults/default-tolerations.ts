/**
 * Upstream's DefaultTolerationSeconds admission: a pod created without a toleration of its own
 * for the `node.kubernetes.io/not-ready` / `node.kubernetes.io/unreachable` NoExecute taints gets
 * one with a bounded tolerationSeconds, so that when its node stops answering the node lifecycle
 * controller evicts it after that long (and its controller recreates it elsewhere) instead of
 * at once, riding out a short network blip. Applied on pod creation only.
 */

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

/**
 * Adds the missing default tolerations to `pod` (mutated in place). A toleration already
 * covers a taint when its key is the taint's key or empty (every key) and its effect is
 * NoExecute or empty (every effect), as upstream decides.
 */
export function addDefaultTolerations(pod: any, notReadySeconds: number, unreachableSeconds: number): void {
  if (pod === null || typeof pod !== 'object') return;
  if (pod.spec === null || typeof pod.spec !== 'object') return;
  const existing: any[] = Array.isArray(pod.spec.tolerations) ? pod.spec.tolerations : [];
  const covers = (key: string) =>
    existing.some((t) => t && typeof t === 'object' && (!t.key || t.key === key) && (!t.effect || t.effect === 'NoExecute'));
  const added: object[] = [];
  if (!covers(TAINT_NODE_NOT_READY)) added.push(toleration(TAINT_NODE_NOT_READY, notReadySeconds));
  if (!covers(TAINT_NODE_UNREACHABLE)) added.push(toleration(TAINT_NODE_UNREACHABLE, unreachableSeconds));
  if (added.length) pod.spec.tolerations = [...existing, ...added];
}

function toleration(key: string, seconds: number): object {
  return { key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds };
}
