/**
 * The garbage collector: deletes objects whose owners are gone, as upstream's. It watches every
 * resource that can be listed, watched and deleted, keeps an {@link OwnerGraph} of their
 * ownerReferences, and works on object uids:
 * - a dependent none of whose owners exists any more (deleted, or a uid that never existed)
 *   is deleted with Background propagation (background cascading deletion);
 * - an owner being deleted with the `foregroundDeletion` finalizer has its dependents deleted,
 *   and keeps the finalizer until those with blockOwnerDeletion are gone (foreground);
 * - an owner being deleted with the `orphan` finalizer has the references to it removed from
 *   its dependents, then the finalizer (orphan).
 * The API server adds those finalizers on DELETE with propagationPolicy Foreground / Orphan
 * when the collector runs. Every step reads the graph and writes the API, so repeating one
 * after a crash does no harm.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { catalogue, findByKind } from '../api/catalogue.ts';
import type { ResourceInfo } from '../api/resource.ts';
import { isConflict, isNotFound, runReconciler, TerminalError, WorkQueue, type KubeObject } from '../client/index.ts';
import {
  blockingDependents,
  decideForDependent,
  FINALIZER_DELETING_DEPENDENTS,
  FINALIZER_ORPHAN,
  ownerStateOf,
  type OwnerState,
} from './attempt-to-delete.ts';
import type { ControllerConstructor, ControllerContext } from './controller.ts';
import { hasFinalizer, OwnerGraph, ownerReferencesOf, type GraphNode } from './owner-graph.ts';
import { updateWithRetry } from './update-with-retry.ts';

/** Upstream ignores events: they never own anything and are too many to be worth watching. */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

/** Writes to dependents of one owner in flight at once. */
const PARALLEL_WRITES = 10;

/** Uids known not to exist, remembered so many dependents of one gone owner cost one lookup. */
const ABSENT_OWNER_CACHE_SIZE = 1000;

/** The resources the collector watches: everything that can be listed, watched and deleted. */
export function monitoredResources(): ResourceInfo[] {
  return catalogue.filter((r) => ['list', 'watch', 'delete'].every((v) => r.verbs.includes(v)) && !IGNORED.has(`${r.group}/${r.plural}`));
}

export const garbageCollectorController: ControllerConstructor = (ctx) => {
  const graph = new OwnerGraph();
  const queue = new WorkQueue({ clock: ctx.clock });
  const absentOwners = new Set<string>();

  /** Owners of `obj` (as the graph last saw them) deleting in the foreground: a change to `obj` may let them go. */
  const enqueueWaitingOwners = (obj: KubeObject) => {
    for (const ref of ownerReferencesOf(obj)) {
      const owner = graph.get(ref.uid);
      if (owner && ownerStateOf(owner.object) === 'waitingForDependentsDeletion') queue.add(owner.uid);
    }
  };
  const enqueueIfActionable = (obj: KubeObject) => {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const deleting = !!obj.metadata?.deletionTimestamp && (hasFinalizer(obj, FINALIZER_ORPHAN) || hasFinalizer(obj, FINALIZER_DELETING_DEPENDENTS));
    if (deleting || ownerReferencesOf(obj).length > 0) queue.add(uid);
  };

  for (const r of monitoredResources()) {
    ctx.informers.informerFor<KubeObject>(r).addEventHandler({
      onAdd(obj) {
        graph.upsert(r, obj);
        enqueueIfActionable(obj);
      },
      onUpdate(old, obj) {
        graph.upsert(r, obj);
        enqueueIfActionable(obj);
        enqueueWaitingOwners(old);
      },
      onDelete(obj) {
        const uid = obj.metadata?.uid;
        graph.remove(obj);
        if (uid) for (const dependent of graph.dependents(uid)) queue.add(dependent.uid);
        enqueueWaitingOwners(obj);
      },
    });
  }

  const reconcile = async (uid: string): Promise<void> => {
    const node = graph.get(uid);
    if (!node) return;
    const obj = node.object;
    if (obj.metadata?.deletionTimestamp) {
      if (hasFinalizer(obj, FINALIZER_ORPHAN)) return orphanDependents(ctx, graph, node);
      if (hasFinalizer(obj, FINALIZER_DELETING_DEPENDENTS)) return processDeletingDependents(ctx, graph, queue, node);
    }
    const refs = ownerReferencesOf(obj);
    if (refs.length === 0) return;
    const owners = await Promise.all(refs.map(async (ref) => ({ ref, state: await ownerState(ref, node) })));
    const decision = decideForDependent(obj, owners, graph.dependents(uid).length > 0);
    if (decision.action === 'removeOwnerReferences') {
      const gone = new Set(decision.uids);
      await removeOwnerReferences(ctx, node, (ref) => gone.has(ref.uid));
    } else if (decision.action === 'delete') {
      await deleteObject(ctx, node, decision.propagationPolicy);
    }
  };

  /** What became of the owner `ref` names: the graph answers for owners it has seen, the API for the rest. */
  const ownerState = async (ref: OwnerReference, dependent: GraphNode): Promise<OwnerState> => {
    const seen = graph.get(ref.uid);
    if (seen) return ownerStateOf(seen.object);
    if (absentOwners.has(ref.uid)) return 'absent';
    const r = resourceOfReference(ref);
    if (!r) throw new TerminalError(`ownerReference to unknown kind ${ref.kind} (${ref.apiVersion}) on ${describe(dependent)}`);
    const namespace = dependent.object.metadata?.namespace;
    // A cluster-scoped object cannot be owned by a namespaced one: such a reference resolves to nothing.
    let state: OwnerState = 'absent';
    if (!r.namespaced || namespace) {
      try {
        const live = await ctx.client.get<KubeObject>(r, r.namespaced ? namespace : undefined, ref.name);
        if (live.metadata?.uid === ref.uid) state = ownerStateOf(live);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (state === 'absent') rememberAbsent(absentOwners, ref.uid);
    return state;
  };

  return {
    name: 'garbage-collector-controller',
    async run(signal) {
      await runReconciler(queue, reconcile, { workers: ctx.options.concurrentSyncs, log: ctx.log, name: 'garbage-collector', signal });
    },
  };
};

/**
 * Foreground deletion of `owner`: its dependents are deleted (they are queued, and each one
 * finds its owner waiting); once none of those that block it is left, the finalizer goes and
 * the API server removes the owner. A dependent's deletion or change queues the owner again.
 */
async function processDeletingDependents(ctx: ControllerContext, graph: OwnerGraph, queue: WorkQueue, owner: GraphNode): Promise<void> {
  const dependents = graph.dependents(owner.uid);
  if (blockingDependents(owner.uid, dependents.map((d) => d.object)).length === 0) {
    await removeFinalizer(ctx, owner, FINALIZER_DELETING_DEPENDENTS);
    return;
  }
  for (const dependent of dependents) queue.add(dependent.uid);
}

/** Orphan deletion of `owner`: no dependent refers to it any more, then its `orphan` finalizer goes. */
async function orphanDependents(ctx: ControllerContext, graph: OwnerGraph, owner: GraphNode): Promise<void> {
  const dependents = graph.dependents(owner.uid);
  for (let i = 0; i < dependents.length; i += PARALLEL_WRITES) {
    await Promise.all(dependents.slice(i, i + PARALLEL_WRITES).map((d) => removeOwnerReferences(ctx, d, (ref) => ref.uid === owner.uid)));
  }
  await removeFinalizer(ctx, owner, FINALIZER_ORPHAN);
}

async function removeOwnerReferences(ctx: ControllerContext, node: GraphNode, drop: (ref: OwnerReference) => boolean): Promise<void> {
  await updateWithRetry<KubeObject>(ctx.client, node.resource, target(node), (obj) => {
    const refs = obj.metadata?.ownerReferences ?? [];
    const kept = refs.filter((ref) => !drop(ref));
    if (kept.length === refs.length) return false;
    if (kept.length) obj.metadata!.ownerReferences = kept;
    else delete obj.metadata!.ownerReferences;
    return true;
  });
}

async function removeFinalizer(ctx: ControllerContext, node: GraphNode, finalizer: string): Promise<void> {
  await updateWithRetry<KubeObject>(ctx.client, node.resource, target(node), (obj) => {
    if (!hasFinalizer(obj, finalizer)) return false;
    obj.metadata!.finalizers = obj.metadata!.finalizers!.filter((f) => f !== finalizer);
    return true;
  });
}

/** Deletes exactly the object the graph saw (uid precondition): a namesake created since is spared. */
async function deleteObject(ctx: ControllerContext, node: GraphNode, propagationPolicy: 'Orphan' | 'Background' | 'Foreground'): Promise<void> {
  const { namespace, name } = target(node);
  try {
    await ctx.client.delete(node.resource, namespace, name, { propagationPolicy, preconditions: { uid: node.uid } });
  } catch (err) {
    if (!isNotFound(err) && !isConflict(err)) throw err;
  }
}

function target(node: GraphNode): { namespace?: string; name: string; uid: string } {
  return { namespace: node.object.metadata?.namespace, name: node.object.metadata!.name!, uid: node.uid };
}

/** The served resource an ownerReference's apiVersion and kind name, if any. */
export function resourceOfReference(ref: Pick<OwnerReference, 'apiVersion' | 'kind'>): ResourceInfo | undefined {
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  return findByKind(group, ref.kind);
}

function rememberAbsent(cache: Set<string>, uid: string): void {
  cache.add(uid);
  if (cache.size > ABSENT_OWNER_CACHE_SIZE) cache.delete(cache.values().next().value!);
}

function describe(node: GraphNode): string {
  const m = node.object.metadata ?? {};
  return `${node.resource.plural} ${m.namespace ? `${m.namespace}/` : ''}${m.name}`;
}
