/**
 * The node authorizer's pod lookups. They must not lag behind a binding (a kubelet acts on a
 * pod the moment it sees it bound), so a node's pods are read as a "latest" list is: from the
 * state cache's spec.nodeName index once the cache has caught up with the store, else the store.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { findResource } from '../../api/catalogue.ts';
import type { StateCache } from '../../storage/state-cache.ts';
import type { Store } from '../../storage/store.ts';
import { indexFor, planList } from '../handlers/list-source.ts';
import type { ObjectStore } from '../registry/object-store.ts';
import type { NodePodLookups } from './node-restriction.ts';

const PODS = findResource('', 'v1', 'pods')!;

/** {@link NodePodLookups} over `objects` (the store it wraps, and the state cache when there is one). */
export function nodePodLookups(objects: ObjectStore, store: Pick<Store, 'list' | 'currentRevision'>, stateCache?: StateCache): NodePodLookups {
  return {
    pod: async (namespace, name) => (await objects.tryGet(PODS, namespace, name)) as Pod | undefined,
    podsOnNode: async (namespace, nodeName) => {
      const index = indexFor(PODS, `spec.nodeName=${nodeName}`);
      const plan = await planList(store, stateCache, { resourceVersion: '', pinnedRevision: 0, limit: 0, index });
      const onNode = (p: unknown) => (p as Pod).spec?.nodeName === nodeName;
      return (await objects.list(PODS, namespace, { filter: onNode, source: plan.source, revision: plan.revision || undefined })).items as Pod[];
    },
  };
}
