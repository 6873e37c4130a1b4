/**
 * The namespace controller: when a namespace is deleted (deletionTimestamp set, phase
 * Terminating) and still holds the `kubernetes` finalizer, it deletes everything namespaced in
 * it (namespace-content.ts), records how that went in the namespace's conditions
 * (namespace-conditions.ts), and waits — requeueing — until nothing is left; then it removes
 * its finalizer through the finalize subresource and the API server removes the namespace.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isConflict, isNotFound, ItemExponentialFailureRateLimiter, runReconciler, WorkQueue, type Result } from '../client/index.ts';
import type { Controller, ControllerConstructor, ControllerContext } from './controller.ts';
import { deletionConditions } from './namespace-conditions.ts';
import { deleteNamespaceContent } from './namespace-content.ts';
import { finalizeThrough, type FinalizeNamespace } from './namespace-finalize.ts';
import { formatTime } from '../api/time.ts';

/** The finalizer of spec.finalizers this controller owns. */
export const KUBERNETES_FINALIZER = 'kubernetes';

const namespacesResource = findResource('', 'v1', 'namespaces')!;

export interface NamespaceControllerOptions {
  /** How the finalizer is removed. Default: the finalize subresource through ctx.client. */
  finalize?: FinalizeNamespace;
}

export function newNamespaceController(ctx: ControllerContext, options: NamespaceControllerOptions = {}): Controller {
  const namespaces = ctx.informers.informerFor<Namespace>(namespacesResource);
  const finalize = options.finalize ?? finalizeThrough(ctx.client);
  // Content still going is polled with backoff, but never less often than every 15 s (the
  // wait upstream allows objects with finalizers).
  const queue = new WorkQueue({ clock: ctx.clock, rateLimiter: new ItemExponentialFailureRateLimiter(5, 15_000) });
  const enqueue = (ns: Namespace) => {
    if (ns.metadata?.deletionTimestamp) queue.add(ns.metadata.name!);
  };
  namespaces.addEventHandler({ onAdd: enqueue, onUpdate: (_, ns) => enqueue(ns) });

  async function reconcile(name: string): Promise<Result | void> {
    if (!namespaces.cache.get(name)?.metadata?.deletionTimestamp) return;
    // The cache may be behind: act on the namespace as it is now.
    let ns: Namespace;
    try {
      ns = await ctx.client.get<Namespace>(namespacesResource, undefined, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata?.deletionTimestamp) return;
    const finalizers = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(KUBERNETES_FINALIZER)) return;

    const pass = await deleteNamespaceContent(ctx.client, name);
    const conditions = deletionConditions(ns.status?.conditions ?? [], pass, formatTime(ctx.clock.now()));
    if (ns.status?.phase !== 'Terminating' || !isDeepStrictEqual(conditions, ns.status?.conditions ?? [])) {
      const next = structuredClone(ns);
      next.status = { ...next.status, phase: 'Terminating', conditions };
      try {
        await ctx.client.updateStatus(namespacesResource, next);
      } catch (err) {
        // A newer namespace (someone else's write): the next pass writes the conditions.
        if (isConflict(err)) return { requeue: true };
        if (isNotFound(err)) return;
        throw err;
      }
    }
    if (pass.errors.length > 0) throw new Error(`deleting the content of namespace ${name}: ${pass.errors.join('; ')}`);
    // Pods given a grace period are waited for that long; anything else (finalizers) is polled with backoff.
    if (pass.estimateSeconds > 0) return { requeueAfterMs: pass.estimateSeconds * 1000 };
    if (pass.remaining.size > 0) return { requeue: true };

    try {
      await finalize(ns, finalizers.filter((f) => f !== KUBERNETES_FINALIZER));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    ctx.log(`namespace-controller: namespace ${name} emptied and finalized`);
  }

  return {
    name: 'namespace-controller',
    run: (signal) => runReconciler(queue, reconcile, { workers: ctx.options.concurrentSyncs, log: ctx.log, name: 'namespace-controller', signal }),
  };
}

export const namespaceController: ControllerConstructor = (ctx) => newNamespaceController(ctx);
