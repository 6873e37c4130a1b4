/**
 * ImageLocality: prefers nodes that already hold the pod's container images, weighing each
 * image by its size and by how widely it is spread (an image on every node says little), so
 * pods start without a long pull.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { MAX_NODE_SCORE, type PluginFactory, type ScorePlugin } from '../framework/interface.ts';
import type { ImageStateSummary } from '../framework/node-info.ts';
import { NAMES } from './names.ts';

const MB = 1024 * 1024;
/** Below this much (per pod) locality makes no difference... */
const MIN_THRESHOLD = 23 * MB;
/** ...and above this much per container it makes no more. */
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** An image name as node.status.images lists it: an untagged name means ":latest". */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/** Upstream's calculatePriority: the summed image score mapped onto 0..MAX_NODE_SCORE between the thresholds. */
export function imageLocalityScore(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  const clamped = Math.min(Math.max(sumScores, MIN_THRESHOLD), maxThreshold);
  return Math.trunc((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

/** Sum over the pod's containers of image size × the share of nodes having the image. */
export function sumImageScores(pod: Pod, imageStates: ReadonlyMap<string, ImageStateSummary>, totalNodes: number): number {
  let sum = 0;
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    const state = c.image ? imageStates.get(normalizedImageName(c.image)) : undefined;
    if (state) sum += Math.trunc((state.size * state.numNodes) / Math.max(totalNodes, 1));
  }
  return sum;
}

export const newImageLocality: PluginFactory = (_args, handle) => {
  const plugin: ScorePlugin = {
    name: NAMES.ImageLocality,
    score(_state, pod, nodeInfo) {
      if (nodeInfo.imageStates.size === 0) return 0;
      const containers = (pod.spec?.initContainers?.length ?? 0) + (pod.spec?.containers?.length ?? 0);
      const total = handle.snapshot().list().length;
      return imageLocalityScore(sumImageScores(pod, nodeInfo.imageStates, total), containers);
    },
  };
  return plugin;
};
