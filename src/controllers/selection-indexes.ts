/**
 * Cache indexes that let a controller find the few objects an event concerns without scanning
 * a whole namespace. At scale a namespace holds thousands of pods and hundreds of Services,
 * and every pod event used to walk all of them (each Service sync filtered every pod of its
 * namespace; each replica sync claimed from every pod of its namespace).
 *
 * - {@link LABEL_IN_NAMESPACE_INDEX}: objects by each of their labels, within their namespace
 *   ("ns/key=value"): the pods an equality selector can pick are in the bucket of any one of its
 *   pairs.
 * - {@link SELECTOR_IN_NAMESPACE_INDEX}: Services by each pair of their selector ("ns/key=value"):
 *   a Service that selects a pod has its selector's pairs among the pod's labels.
 * - {@link ORPHAN_IN_NAMESPACE_INDEX}: objects without a controller reference, by namespace: the
 *   only ones a controller may adopt.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject, ObjectCache } from '../client/index.ts';
import { controllerRefOf } from './controller-ref.ts';

export const LABEL_IN_NAMESPACE_INDEX = 'label-in-namespace';
export const SELECTOR_IN_NAMESPACE_INDEX = 'selector-in-namespace';
export const ORPHAN_IN_NAMESPACE_INDEX = 'orphan-in-namespace';

const pairs = (namespace: string | undefined, map: Record<string, string> | undefined): string[] =>
  Object.entries(map ?? {}).map(([k, v]) => `${namespace ?? ''}/${k}=${v}`);

/** The bucket of `key=value` in `namespace`, as the indexes above file it. */
export function pairInNamespace(namespace: string, key: string, value: string): string {
  return `${namespace}/${key}=${value}`;
}

/** Adds the label and orphan indexes to a pod cache (replacing them if there: controllers share informers). */
export function indexPods(cache: ObjectCache<Pod>): void {
  cache.addIndexer(LABEL_IN_NAMESPACE_INDEX, (pod) => pairs(pod.metadata?.namespace, pod.metadata?.labels));
  indexOrphans(cache);
}

/** Adds the orphan index to any cache of namespaced objects. */
export function indexOrphans<T extends KubeObject>(cache: ObjectCache<T>): void {
  cache.addIndexer(ORPHAN_IN_NAMESPACE_INDEX, (o) => (controllerRefOf(o) ? [] : [o.metadata?.namespace ?? '']));
}

/** Adds the selector index to a Service cache. */
export function indexServiceSelectors(cache: ObjectCache<Service>): void {
  cache.addIndexer(SELECTOR_IN_NAMESPACE_INDEX, (svc) => pairs(svc.metadata?.namespace, svc.spec?.selector));
}
