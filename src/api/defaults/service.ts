/**
 * Service defaults (SetDefaults_Service), plus what the registry fills before validation:
 * clusterIP and clusterIPs kept in step, and single-stack IPv4 families. Allocating the
 * clusterIP and nodePorts themselves is the allocator's job, not done here.
 */
import { isObject, items, setDefault } from './set.ts';

/** Upstream's default ClientIP affinity timeout: three hours. */
const DEFAULT_CLIENT_IP_TIMEOUT = 10800;

function externallyAccessible(spec: any): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
}

export function defaultService(svc: any): void {
  if (svc.spec === undefined || svc.spec === null) svc.spec = {};
  const spec = svc.spec;
  if (!isObject(spec)) return;
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && typeof spec.sessionAffinityConfig?.clientIP?.timeoutSeconds !== 'number') {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT } };
  }
  setDefault(spec, 'type', 'ClusterIP');
  for (const port of items(spec.ports)) {
    setDefault(port, 'protocol', 'TCP');
    if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (externallyAccessible(spec)) setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  }
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (spec.type === 'ExternalName') return;
  const none = (x: unknown) => x === undefined || x === null || (Array.isArray(x) && x.length === 0);
  if (spec.clusterIP && none(spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && Array.isArray(spec.clusterIPs) && spec.clusterIPs.length) spec.clusterIP = spec.clusterIPs[0];
  setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  if (none(spec.ipFamilies)) spec.ipFamilies = ['IPv4'];
}
