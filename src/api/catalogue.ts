/**
 * The resource catalogue: every resource type the API server serves, with the facts
 * upstream's discovery publishes for it in v1.32 (short names, categories, verbs, scope,
 * subresources). Routing, discovery, tables and selectors all read this one list, so a
 * kind is served exactly when it is listed here.
 *
 * Order matters: groups appear in upstream's discovery order (core first, then apps,
 * events.k8s.io, ...), which is also the order `kubectl` resolves an ambiguous name in
 * (`events` is the core kind before events.k8s.io's).
 */
import type { ResourceInfo } from './resource.ts';

/** The verbs of an ordinary stored resource, as discovery lists them (sorted). */
const STORED_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface Entry {
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Defaults to {@link STORED_VERBS}. */
  verbs?: string[];
  subresources?: string[];
}

function entry(group: string, version: string, kind: string, plural: string, e: Entry): ResourceInfo {
  const subresources = e.subresources ?? [];
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced: e.namespaced,
    shortNames: e.shortNames ?? [],
    categories: e.categories ?? [],
    verbs: e.verbs ?? STORED_VERBS,
    subresources,
    hasStatus: subresources.includes('status'),
  };
}

const ALL = ['all'];

/** Every served resource; see the module comment for the order. */
export const catalogue: readonly ResourceInfo[] = Object.freeze([
  entry('', 'v1', 'Binding', 'bindings', { namespaced: true, verbs: ['create'] }),
  entry('', 'v1', 'ConfigMap', 'configmaps', { namespaced: true, shortNames: ['cm'] }),
  entry('', 'v1', 'Endpoints', 'endpoints', { namespaced: true, shortNames: ['ep'] }),
  entry('', 'v1', 'Event', 'events', { namespaced: true, shortNames: ['ev'] }),
  entry('', 'v1', 'LimitRange', 'limitranges', { namespaced: true, shortNames: ['limits'] }),
  entry('', 'v1', 'Namespace', 'namespaces', {
    namespaced: false,
    shortNames: ['ns'],
    // Upstream serves no deletecollection on namespaces.
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['finalize', 'status'],
  }),
  entry('', 'v1', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], subresources: ['proxy', 'status'] }),
  entry('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', {
    namespaced: true,
    shortNames: ['pvc'],
    subresources: ['status'],
  }),
  entry('', 'v1', 'PersistentVolume', 'persistentvolumes', { namespaced: false, shortNames: ['pv'], subresources: ['status'] }),
  entry('', 'v1', 'Pod', 'pods', {
    namespaced: true,
    shortNames: ['po'],
    categories: ALL,
    subresources: ['attach', 'binding', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'status'],
  }),
  entry('', 'v1', 'ReplicationController', 'replicationcontrollers', {
    namespaced: true,
    shortNames: ['rc'],
    categories: ALL,
    subresources: ['scale', 'status'],
  }),
  entry('', 'v1', 'ResourceQuota', 'resourcequotas', { namespaced: true, shortNames: ['quota'], subresources: ['status'] }),
  entry('', 'v1', 'Secret', 'secrets', { namespaced: true }),
  entry('', 'v1', 'ServiceAccount', 'serviceaccounts', { namespaced: true, shortNames: ['sa'], subresources: ['token'] }),
  entry('', 'v1', 'Service', 'services', {
    namespaced: true,
    shortNames: ['svc'],
    categories: ALL,
    subresources: ['proxy', 'status'],
  }),

  entry('apps', 'v1', 'DaemonSet', 'daemonsets', { namespaced: true, shortNames: ['ds'], categories: ALL, subresources: ['status'] }),
  entry('apps', 'v1', 'Deployment', 'deployments', {
    namespaced: true,
    shortNames: ['deploy'],
    categories: ALL,
    subresources: ['scale', 'status'],
  }),
  entry('apps', 'v1', 'ReplicaSet', 'replicasets', {
    namespaced: true,
    shortNames: ['rs'],
    categories: ALL,
    subresources: ['scale', 'status'],
  }),
  entry('apps', 'v1', 'StatefulSet', 'statefulsets', {
    namespaced: true,
    shortNames: ['sts'],
    categories: ALL,
    subresources: ['scale', 'status'],
  }),

  entry('events.k8s.io', 'v1', 'Event', 'events', { namespaced: true, shortNames: ['ev'] }),

  entry('authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews', { namespaced: false, verbs: ['create'] }),
  entry('authentication.k8s.io', 'v1', 'TokenReview', 'tokenreviews', { namespaced: false, verbs: ['create'] }),

  entry('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', { namespaced: false, verbs: ['create'] }),
  entry('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', { namespaced: false, verbs: ['create'] }),

  // One stored resource served at two versions: v2 is preferred (listed first) and stored.
  entry('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', {
    namespaced: true,
    shortNames: ['hpa'],
    categories: ALL,
    subresources: ['status'],
  }),
  entry('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', {
    namespaced: true,
    shortNames: ['hpa'],
    categories: ALL,
    subresources: ['status'],
  }),

  entry('batch', 'v1', 'CronJob', 'cronjobs', { namespaced: true, shortNames: ['cj'], categories: ALL, subresources: ['status'] }),
  entry('batch', 'v1', 'Job', 'jobs', { namespaced: true, categories: ALL, subresources: ['status'] }),

  entry('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', { namespaced: false }),
  entry('networking.k8s.io', 'v1', 'Ingress', 'ingresses', { namespaced: true, shortNames: ['ing'], subresources: ['status'] }),

  entry('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', {
    namespaced: true,
    shortNames: ['pdb'],
    subresources: ['status'],
  }),

  entry('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', { namespaced: false }),
  entry('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', { namespaced: false }),
  entry('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', { namespaced: true }),
  entry('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', { namespaced: true }),

  entry('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', { namespaced: false, shortNames: ['pc'] }),

  entry('coordination.k8s.io', 'v1', 'Lease', 'leases', { namespaced: true }),

  entry('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', { namespaced: true }),
]);

/** The resource served at `/apis/<group>/<version>/<plural>` (`/api/v1/<plural>` for group ''). */
export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return catalogue.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The resource of a kind in a group, at its preferred version. */
export function findByKind(group: string, kind: string): ResourceInfo | undefined {
  return catalogue.find((r) => r.group === group && r.kind === kind);
}

/** Every served group/version, core first, in discovery order; a group's first version is its preferred one. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Set<string>();
  const out: { group: string; version: string }[] = [];
  for (const r of catalogue) {
    const key = `${r.group}/${r.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ group: r.group, version: r.version });
  }
  return out;
}
