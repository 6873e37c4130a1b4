/**
 * How big a memory-backed emptyDir may grow, as upstream sizes it: no more than the node's
 * allocatable memory, no more than the pod's memory limit (when every container has one), and
 * no more than the volume's sizeLimit.
 */
import type { Node, Pod, Volume } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/validation/quantity.ts';

/** Bytes, or undefined when nothing bounds it (the kernel's tmpfs default then applies). */
export function memoryVolumeSize(pod: Pod, volume: Volume, node: Node | undefined): number | undefined {
  const bounds = [node?.status?.allocatable?.memory, volume.emptyDir?.sizeLimit]
    .map((q) => (q !== undefined ? parseQuantity(q) : undefined))
    .concat(podMemoryLimit(pod))
    .filter((n): n is number => n !== undefined && n > 0);
  return bounds.length ? Math.min(...bounds) : undefined;
}

/** The pod's memory limit: the sum over its containers (the largest init container if more), when all set one. */
function podMemoryLimit(pod: Pod): number | undefined {
  const limit = (c: { resources?: { limits?: Record<string, string | number> } }) => {
    const q = c.resources?.limits?.memory;
    return q !== undefined ? parseQuantity(q) : undefined;
  };
  const app = (pod.spec?.containers ?? []).map(limit);
  if (!app.length || app.some((l) => l === undefined)) return undefined;
  const sum = (app as number[]).reduce((a, b) => a + b, 0);
  const init = (pod.spec?.initContainers ?? []).map(limit);
  if (init.some((l) => l === undefined)) return sum;
  return Math.max(sum, ...(init as number[]));
}
