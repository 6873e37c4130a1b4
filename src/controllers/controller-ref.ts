/**
 * Controller references: the one ownerReference with `controller: true` that says which
 * controller manages an object. Workload controllers act only on objects whose controller
 * reference names them, and adopt or release objects by adding or removing it.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../client/index.ts';

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The reference an owner puts on what it controls; blockOwnerDeletion lets foreground deletion wait for it. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}
