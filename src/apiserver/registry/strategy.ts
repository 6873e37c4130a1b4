/**
 * Per-kind rules the generic registry applies around a write, as upstream's RESTCreateStrategy /
 * RESTUpdateStrategy / RESTGracefulDeleteStrategy: what a create resets, what an update keeps
 * from the old object, and how a delete is made graceful. Kinds without special rules use
 * {@link defaultStrategy}.
 */
import type { ResourceInfo } from '../../api/resource.ts';
import type { KObject } from './object-store.ts';

export interface Strategy {
  /** Normalises a new object before defaulting and validation (e.g. resets status). */
  prepareForCreate(obj: KObject): void;
  /** Carries over what a main-resource update may not change (status). */
  prepareForUpdate(obj: KObject, old: KObject): void;
  /** Builds the object a /status write stores: the old object with the new status. */
  prepareForStatusUpdate(obj: KObject, old: KObject): KObject;
  /** Whether a spec change bumps metadata.generation. */
  tracksGeneration: boolean;
  /**
   * Seconds of grace a delete gets before the object is removed: 0 removes it at once (if it
   * has no finalizers), more marks it with deletionTimestamp for an agent to finish.
   */
  deleteGracePeriod(obj: KObject, requested: number | undefined): number;
}

/** Kinds whose controllers report status.observedGeneration against metadata.generation. */
const GENERATION_TRACKED = new Set([
  'replicationcontrollers',
  'apps/replicasets',
  'apps/deployments',
  'apps/daemonsets',
  'apps/statefulsets',
  'batch/jobs',
  'batch/cronjobs',
  'policy/poddisruptionbudgets',
]);

function keyOf(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.plural}` : r.plural;
}

function baseStrategy(r: ResourceInfo): Strategy {
  return {
    tracksGeneration: GENERATION_TRACKED.has(keyOf(r)),
    prepareForCreate(obj) {
      if (r.hasStatus) delete obj.status;
    },
    prepareForUpdate(obj, old) {
      if (r.hasStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = old.status;
      }
    },
    prepareForStatusUpdate(obj, old) {
      // `old` is the write attempt's own copy of the stored object, left as it is from here on:
      // the new object may share its members, all but metadata, which the write goes on to set.
      const next: KObject = { ...old, metadata: { ...old.metadata } };
      if (obj.status === undefined) delete next.status;
      else next.status = obj.status;
      next.metadata.resourceVersion = obj.metadata?.resourceVersion;
      return next;
    },
    deleteGracePeriod: () => 0,
  };
}

/** QoS class as upstream computes it from requests and limits. */
export function podQosClass(pod: KObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: KObject[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const res of ['cpu', 'memory']) {
      if (req[res] !== undefined || lim[res] !== undefined) any = true;
      if (lim[res] === undefined) guaranteed = false;
      else if (req[res] !== undefined && String(req[res]) !== String(lim[res])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function podStrategy(r: ResourceInfo): Strategy {
  const base = baseStrategy(r);
  return {
    ...base,
    prepareForCreate(obj) {
      obj.status = { phase: 'Pending', qosClass: podQosClass(obj) };
    },
    deleteGracePeriod(obj, requested) {
      // A pod no kubelet runs (unbound, or finished) has nothing to stop: it goes at once.
      if (!obj.spec?.nodeName) return 0;
      const phase = obj.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') return 0;
      const grace = requested ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
      // Upstream turns a requested 0 without force into 1s of grace for bound pods; kubectl's
      // --force sends 0 with the intent to remove at once, which we honour.
      return Math.max(0, grace);
    },
  };
}

function nodeStrategy(r: ResourceInfo): Strategy {
  // Nodes may be created with their status (a kubelet registers with it filled in).
  return { ...baseStrategy(r), prepareForCreate() {} };
}

function namespaceStrategy(r: ResourceInfo): Strategy {
  const base = baseStrategy(r);
  return {
    ...base,
    prepareForCreate(obj) {
      obj.status = { phase: 'Active' };
    },
    prepareForUpdate(obj, old) {
      base.prepareForUpdate(obj, old);
      // spec.finalizers change only through the finalize subresource.
      const finalizers = old.spec?.finalizers;
      obj.spec = { ...obj.spec };
      if (finalizers === undefined) delete obj.spec.finalizers;
      else obj.spec.finalizers = finalizers;
    },
  };
}

function withStatusOnCreate(r: ResourceInfo, status: KObject): Strategy {
  const base = baseStrategy(r);
  return {
    ...base,
    prepareForCreate(obj) {
      obj.status = structuredClone(status);
    },
  };
}

export function strategyFor(r: ResourceInfo): Strategy {
  switch (keyOf(r)) {
    case 'pods':
      return podStrategy(r);
    case 'nodes':
      return nodeStrategy(r);
    case 'namespaces':
      return namespaceStrategy(r);
    case 'persistentvolumeclaims':
    case 'persistentvolumes':
      return withStatusOnCreate(r, { phase: 'Pending' });
    case 'services':
      return withStatusOnCreate(r, { loadBalancer: {} });
    default:
      return baseStrategy(r);
  }
}

export const defaultStrategy = baseStrategy;
