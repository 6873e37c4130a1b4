/**
 * Objects every cluster has from its first second: the system namespaces and the `kubernetes`
 * Service in `default` (ClusterIP 10.43.0.1, port 443) with Endpoints and an EndpointSlice
 * pointing at this API server. Idempotent: run at every start, it creates what is missing and
 * refreshes the endpoints.
 */
import { findResource } from '../api/catalogue.ts';
import type { ResourceInfo } from '../api/resource.ts';
import { StatusError } from './errors.ts';
import { SYSTEM_NAMESPACES, type Registry } from './registry/registry.ts';

function resource(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`${plural} missing from the catalogue`);
  return r;
}

async function ensure(registry: Registry, r: ResourceInfo, namespace: string, obj: Record<string, unknown>): Promise<void> {
  const name = (obj.metadata as { name: string }).name;
  // Look first: a create of an existing Service would fail on its ClusterIP before its name.
  try {
    await registry.get(r, namespace, name);
    return;
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 404)) throw err;
  }
  try {
    await registry.create(r, namespace, obj);
  } catch (err) {
    if (!(err instanceof StatusError && err.code === 409)) throw err;
  }
}

/** Writes `obj` whether or not it exists (endpoints move when the server's address does). */
async function upsert(registry: Registry, r: ResourceInfo, namespace: string, name: string, obj: Record<string, unknown>): Promise<void> {
  try {
    await registry.update(r, namespace, name, obj);
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return ensure(registry, r, namespace, obj);
    throw err;
  }
}

export interface BootstrapOptions {
  /** The address other nodes and pods reach this API server on (none: no endpoints written). */
  advertiseAddress: string | undefined;
  port: number;
  /** The first address of the service CIDR: the `kubernetes` Service's ClusterIP. */
  kubernetesServiceIP: string;
}

export async function bootstrapCluster(registry: Registry, options: BootstrapOptions): Promise<void> {
  const namespaces = resource('', 'v1', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) await ensure(registry, namespaces, '', { metadata: { name } });

  const labels = { component: 'apiserver', provider: 'kubernetes' };
  await ensure(registry, resource('', 'v1', 'services'), 'default', {
    metadata: { name: 'kubernetes', labels },
    spec: {
      type: 'ClusterIP',
      clusterIP: options.kubernetesServiceIP,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: options.port }],
      sessionAffinity: 'None',
    },
  });
  if (!options.advertiseAddress) return;
  await upsert(registry, resource('', 'v1', 'endpoints'), 'default', 'kubernetes', {
    metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: options.advertiseAddress }], ports: [{ name: 'https', port: options.port, protocol: 'TCP' }] }],
  });
  await upsert(registry, resource('discovery.k8s.io', 'v1', 'endpointslices'), 'default', 'kubernetes', {
    metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [options.advertiseAddress], conditions: { ready: true } }],
    ports: [{ name: 'https', port: options.port, protocol: 'TCP' }],
  });
}
