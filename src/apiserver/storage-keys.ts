/**
 * Where each resource lives in the store, in upstream's key layout
 * (`/registry/<resource>/<namespace>/<name>`), including upstream's historical names
 * (nodes are "minions", replication controllers "controllers", services "services/specs").
 */
import type { ResourceInfo } from '../api/resource.ts';

/** Upstream's storage names where they differ from `<plural>`. */
const STORAGE_NAMES: Record<string, string> = {
  '/nodes': 'minions',
  '/replicationcontrollers': 'controllers',
  '/services': 'services/specs',
  '/endpoints': 'services/endpoints',
  'events.k8s.io/events': 'events.k8s.io/events',
};

export function storageName(r: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return STORAGE_NAMES[`${r.group}/${r.plural}`] ?? r.plural;
}

/** The prefix holding every object of `r` (in `namespace`, when given), ending in '/'. */
export function prefixFor(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace?: string): string {
  const base = `/registry/${storageName(r)}/`;
  return r.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function keyFor(r: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace: string, name: string): string {
  return r.namespaced ? `/registry/${storageName(r)}/${namespace}/${name}` : `/registry/${storageName(r)}/${name}`;
}

/** Reservation keys of the IP and port allocators (one key per allocated value). */
export const CLUSTER_IP_PREFIX = '/registry/ranges/serviceips/';
export const NODE_PORT_PREFIX = '/registry/ranges/servicenodeports/';

/**
 * Where Events live (core and events.k8s.io). Upstream's kube-apiserver keeps no watch cache of
 * them (DefaultWatchCacheSizes); nor does our state cache: their reads go to the store.
 */
export const EVENT_PREFIXES = [
  prefixFor({ group: '', plural: 'events', namespaced: true }),
  prefixFor({ group: 'events.k8s.io', plural: 'events', namespaced: true }),
];
