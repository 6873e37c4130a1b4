/**
 * The node authorizer's pod lookups, read from the object store rather than a cache: a kubelet
 * acts on a pod the moment it sees it bound, and the answer must not lag behind that binding.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../api/catalogue.ts';
import type { ObjectStore } from '../registry/object-store.ts';
import type { NodePodLookups } from './node-restriction.ts';

const PODS = findResource('', 'v1', 'pods')!;

/** {@link NodePodLookups} over `objects`. */
export function nodePodLookups(objects: ObjectStore): NodePodLookups {
  return {
    pod: async (namespace, name) => (await objects.tryGet(PODS, namespace, name)) as Pod | undefined,
    podsOnNode: async (namespace, nodeName) =>
      (await objects.list(PODS, namespace, { filter: (p) => (p as Pod).spec?.nodeName === nodeName })).items as Pod[],
  };
}
