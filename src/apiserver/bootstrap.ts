/**
 * Objects every cluster has from its first second: the system namespaces, the `kubernetes`
 * Service in `default` (ClusterIP 10.43.0.1, port 443; its endpoints are the endpoint
 * reconciler's), and the `kube-dns` Service in kube-system (the cluster DNS IP, no selector:
 * each node's DNS server publishes its own EndpointSlice). Idempotent: run at every start, by
 * every server, it creates what is missing.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { findResource } from '../api/catalogue.ts';
import type { ResourceInfo } from '../api/resource.ts';
import { StatusError } from './errors.ts';
import { SYSTEM_NAMESPACES, type Registry } from './registry/registry.ts';

function resource(group: string, version: string, plural: string): ResourceInfo {
  const r = findResource(group, version, plural);
  if (!r) throw new Error(`${plural} missing from the catalogue`);
  return r;
}

const ENSURE_ATTEMPTS = 5;

async function exists(registry: Registry, r: ResourceInfo, namespace: string, name: string): Promise<boolean> {
  try {
    await registry.get(r, namespace, name);
    return true;
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return false;
    throw err;
  }
}

/**
 * Creates `obj` unless it exists. Servers starting at once on an empty datastore race here: a
 * create that fails (however: a name taken, a Service's ClusterIP claimed) is fine when the
 * object exists now. The other server may still be between claiming the ClusterIP and writing
 * its Service, so the look is repeated for a moment before the failure counts.
 */
async function ensure(registry: Registry, r: ResourceInfo, namespace: string, obj: Record<string, unknown>): Promise<void> {
  const name = (obj.metadata as { name: string }).name;
  for (let attempt = 1; ; attempt++) {
    // Look first: a create of an existing Service would fail on its ClusterIP before its name.
    if (await exists(registry, r, namespace, name)) return;
    try {
      await registry.create(r, namespace, obj);
      return;
    } catch (err) {
      if (await exists(registry, r, namespace, name).catch(() => false)) return;
      if (attempt === ENSURE_ATTEMPTS) throw err;
      await delay(100 * attempt);
    }
  }
}

export interface BootstrapOptions {
  /** The port the `kubernetes` Service targets. */
  port: number;
  /** The first address of the service CIDR: the `kubernetes` Service's ClusterIP. */
  kubernetesServiceIP: string;
  /** The cluster DNS address (--cluster-dns): the `kube-dns` Service's ClusterIP. None: no kube-dns Service. */
  clusterDNSIP?: string;
  log?: (line: string) => void;
}

/**
 * The kube-dns Service. Node-local (internalTrafficPolicy Local): pods ask the DNS server on
 * their own node. Created through the registry, so its ClusterIP is claimed like any other.
 */
async function ensureClusterDNSService(registry: Registry, ip: string, log: (line: string) => void): Promise<void> {
  try {
    await ensure(registry, resource('', 'v1', 'services'), 'kube-system', {
      metadata: { name: 'kube-dns', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'KubeDNS' } },
      spec: {
        type: 'ClusterIP',
        clusterIP: ip,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
        internalTrafficPolicy: 'Local',
        sessionAffinity: 'None',
      },
    });
  } catch (err) {
    // A cluster made before kube-dns existed may have given the address to a Service of its own.
    if (!(err instanceof StatusError && err.code === 422)) throw err;
    log(`cannot create the kube-dns Service with ClusterIP ${ip}: ${err.message}`);
  }
}

/** Creates what is missing of the objects above. */
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
  if (options.clusterDNSIP) await ensureClusterDNSService(registry, options.clusterDNSIP, options.log ?? (() => {}));
}
