/**
 * The garbage collector's view of ownership (upstream's GC dependency graph): every object it
 * watches, by uid, and for each uid the objects whose ownerReferences name it. Owners are
 * keyed by uid, not name, so a dependent of a deleted owner is never mistaken for a dependent
 * of a new object that took the same name. A uid can have dependents without being observed
 * itself (an owner not seen yet, or one that never existed); the collector looks those up.
 *
 * Holds the informers' cached objects as they are: never change them.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { ResourceInfo } from '../api/resource.ts';
import type { KubeObject } from '../client/index.ts';

export interface GraphNode {
  uid: string;
  /** The resource the object was observed through: what it is deleted or updated as. */
  resource: ResourceInfo;
  object: KubeObject;
}

export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid → uids of the objects referring to it */
  private readonly dependentsOf = new Map<string, Set<string>>();

  /** Records `object` as it is now; returns what was known of it before. */
  upsert(resource: ResourceInfo, object: KubeObject): GraphNode | undefined {
    const uid = object.metadata?.uid;
    if (!uid) return undefined;
    const old = this.nodes.get(uid);
    if (old) this.unlink(old);
    const node = { uid, resource, object };
    this.nodes.set(uid, node);
    for (const ref of ownerReferencesOf(object)) {
      let deps = this.dependentsOf.get(ref.uid);
      if (!deps) this.dependentsOf.set(ref.uid, (deps = new Set()));
      deps.add(uid);
    }
    return old;
  }

  /** Forgets `object`; its own dependents stay recorded under its uid. Returns what was known. */
  remove(object: KubeObject): GraphNode | undefined {
    const uid = object.metadata?.uid;
    const old = uid ? this.nodes.get(uid) : undefined;
    if (!old) return undefined;
    this.unlink(old);
    this.nodes.delete(old.uid);
    return old;
  }

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** The observed objects whose ownerReferences name `uid`. */
  dependents(uid: string): GraphNode[] {
    return [...(this.dependentsOf.get(uid) ?? [])].map((d) => this.nodes.get(d)!);
  }

  private unlink(node: GraphNode): void {
    for (const ref of ownerReferencesOf(node.object)) {
      const deps = this.dependentsOf.get(ref.uid);
      deps?.delete(node.uid);
      if (deps?.size === 0) this.dependentsOf.delete(ref.uid);
    }
  }
}

export function ownerReferencesOf(obj: KubeObject): OwnerReference[] {
  return (obj.metadata?.ownerReferences ?? []).filter((ref) => !!ref?.uid);
}

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}
