/**
 * The namespace controller's last write: PUT /api/v1/namespaces/{name}/finalize with the
 * namespace's spec.finalizers minus `kubernetes`, after which the API server removes a
 * namespace that is being deleted and has no finalizers left.
 */
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import type { RestClient } from '../client/index.ts';

/** Sets `ns`'s spec.finalizers to `finalizers` through the finalize subresource. */
export type FinalizeNamespace = (ns: Namespace, finalizers: string[]) => Promise<Namespace>;

const namespaces = findResource('', 'v1', 'namespaces')!;

export function finalizeThrough(client: Pick<RestClient, 'updateSubresource'>): FinalizeNamespace {
  return (ns, finalizers) =>
    client.updateSubresource<Namespace>(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.metadata!.name! }, spec: { finalizers } }, 'finalize');
}
