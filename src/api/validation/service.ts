/**
 * Services: type, ports, selector, session affinity, cluster IPs and IP families, external
 * names and traffic policies; on update, a cluster IP once set may not change.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { validatePortNumOrName, PROTOCOLS } from './container.ts';
import { list, oneOf, requiredOneOf } from './fields.ts';
import { nameIsDNS1035Label, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isCIDR, isDNS1123Label, isDNS1123Subdomain, isIP, isIPv4, isIPv6, isQualifiedName } from './names.ts';

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const MAX_AFFINITY_SECONDS = 86400;

/** The default NodePort range; the allocator hands out ports from it. */
export const NODE_PORT_RANGE = { base: 30000, size: 2768 };

function isHeadless(spec: any): boolean {
  return Array.isArray(spec.clusterIPs) && spec.clusterIPs.length === 1 && spec.clusterIPs[0] === 'None';
}

function externallyAccessible(spec: any): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && (spec.externalIPs ?? []).length > 0);
}

function validateServicePort(sp: any, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !sp.name) {
    errs.push(fieldError.required(`${path}.name`, ''));
  } else if (sp.name) {
    for (const m of isDNS1123Label(sp.name)) errs.push(fieldError.invalid(`${path}.name`, sp.name, m));
    if (names.has(sp.name)) errs.push(fieldError.duplicate(`${path}.name`, sp.name));
    else names.add(sp.name);
  }
  if (!(Number.isInteger(sp.port) && sp.port >= 1 && sp.port <= 65535)) errs.push(fieldError.invalid(`${path}.port`, sp.port ?? 0, 'must be between 1 and 65535, inclusive'));
  errs.push(...requiredOneOf(sp.protocol, PROTOCOLS, `${path}.protocol`));
  errs.push(...validatePortNumOrName(sp.targetPort, `${path}.targetPort`));
  if (sp.appProtocol !== undefined && sp.appProtocol !== null) {
    for (const m of isQualifiedName(sp.appProtocol)) errs.push(fieldError.invalid(`${path}.appProtocol`, sp.appProtocol, m));
  }
  return errs;
}

function validateClusterIPs(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.type === 'ExternalName') return errs;
  const ips: string[] = list(spec.clusterIPs);
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(fieldError.required('spec.clusterIPs', ''));
    else if (ips[0] !== spec.clusterIP) errs.push(fieldError.invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length) {
    errs.push(fieldError.invalid('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  }
  const families: string[] = list(spec.ipFamilies);
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(fieldError.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(fieldError.duplicate(`spec.ipFamilies[${i}]`, f));
    seen.add(f);
  });
  errs.push(...oneOf(spec.ipFamilyPolicy, ['PreferDualStack', 'RequireDualStack', 'SingleStack'], 'spec.ipFamilyPolicy'));
  let badIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        badIPs = true;
        errs.push(fieldError.invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
      }
      return;
    }
    if (!isIP(ip)) {
      badIPs = true;
      errs.push(fieldError.invalid(`spec.clusterIPs[${i}]`, ip, INVALID_IP));
    }
  });
  if (ips.length > 2) errs.push(fieldError.invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (badIPs) return errs;
  if (ips.length === 2 && isIPv6(ips[0]) === isIPv6(ips[1])) errs.push(fieldError.invalid('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  if (!isHeadless(spec)) {
    ips.forEach((ip, i) => {
      if (families[i] === 'IPv4' && isIPv6(ip)) errs.push(fieldError.invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (families[i] === 'IPv6' && !isIPv6(ip)) errs.push(fieldError.invalid(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

function validateAffinity(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec.sessionAffinity) return [fieldError.required('spec.sessionAffinity', '')];
  errs.push(...oneOf(spec.sessionAffinity, ['ClientIP', 'None'], 'spec.sessionAffinity'));
  const cfg = spec.sessionAffinityConfig;
  const p = 'spec.sessionAffinityConfig';
  if (spec.sessionAffinity === 'ClientIP') {
    const when = 'when session affinity type is ClientIP';
    if (!cfg) errs.push(fieldError.required(p, when));
    else if (!cfg.clientIP) errs.push(fieldError.required(`${p}.clientIP`, when));
    else if (cfg.clientIP.timeoutSeconds === undefined || cfg.clientIP.timeoutSeconds === null) errs.push(fieldError.required(`${p}.clientIP.timeoutSeconds`, when));
    else {
      const t = cfg.clientIP.timeoutSeconds;
      if (t <= 0 || t > MAX_AFFINITY_SECONDS) {
        errs.push(fieldError.invalid(`${p}.clientIP.timeoutSeconds`, t, `must be greater than 0 and less than ${MAX_AFFINITY_SECONDS}`));
      }
    }
  } else if (spec.sessionAffinity === 'None' && cfg) {
    errs.push(fieldError.forbidden(p, 'must not be set when session affinity is None'));
  }
  return errs;
}

function validateServiceSpec(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  const ports: any[] = list(spec.ports);
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(fieldError.required('spec.ports', ''));
  switch (spec.type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (headless) errs.push(fieldError.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`));
      break;
    case 'ExternalName': {
      if ((spec.clusterIPs ?? []).length) errs.push(fieldError.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if ((spec.ipFamilies ?? []).length) errs.push(fieldError.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy) errs.push(fieldError.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      const cname = String(spec.externalName ?? '').replace(/\.$/, '');
      if (cname) for (const m of isDNS1123Subdomain(cname)) errs.push(fieldError.invalid('spec.externalName', cname, m));
      else errs.push(fieldError.required('spec.externalName', ''));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((sp, i) => errs.push(...validateServicePort(sp ?? {}, ports.length > 1, names, `spec.ports[${i}]`)));
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  errs.push(...validateAffinity(spec));
  errs.push(...validateClusterIPs(spec));
  list(spec.externalIPs).forEach((ip: string, i: number) => {
    if (!isIP(ip)) errs.push(fieldError.invalid(`spec.externalIPs[${i}]`, ip, INVALID_IP));
  });
  if (!spec.type) errs.push(fieldError.required('spec.type', ''));
  else errs.push(...oneOf(spec.type, TYPES, 'spec.type'));

  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((sp, i) => {
    const p = `spec.ports[${i}]`;
    if (sp?.nodePort) {
      if (spec.type === 'ClusterIP') errs.push(fieldError.forbidden(`${p}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      else if (sp.nodePort < NODE_PORT_RANGE.base || sp.nodePort >= NODE_PORT_RANGE.base + NODE_PORT_RANGE.size) {
        errs.push(
          fieldError.invalid(
            `${p}.nodePort`,
            sp.nodePort,
            `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.base}-${NODE_PORT_RANGE.base + NODE_PORT_RANGE.size - 1}`,
          ),
        );
      }
      const key = `${sp.protocol}/${sp.nodePort}`;
      if (nodePorts.has(key)) errs.push(fieldError.duplicate(`${p}.nodePort`, sp.nodePort));
      nodePorts.add(key);
    }
    const key = `${sp?.protocol}/${sp?.port}`;
    if (portKeys.has(key)) errs.push(fieldError.duplicate(p, { protocol: sp?.protocol, port: sp?.port }));
    portKeys.add(key);
  });

  const ranges: string[] = list(spec.loadBalancerSourceRanges);
  if (ranges.length) {
    if (spec.type !== 'LoadBalancer') errs.push(fieldError.forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => {
      const cidr = String(r).trim();
      if (!isCIDR(cidr)) errs.push(fieldError.invalid(`spec.LoadBalancerSourceRanges[${i}]`, cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    });
  }

  if (!externallyAccessible(spec)) {
    if (spec.externalTrafficPolicy) errs.push(fieldError.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
  } else {
    errs.push(...requiredOneOf(spec.externalTrafficPolicy, ['Cluster', 'Local'], 'spec.externalTrafficPolicy'));
  }
  if (spec.healthCheckNodePort && !(spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local')) {
    errs.push(fieldError.invalid('spec.healthCheckNodePort', spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  if (spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) {
    if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') errs.push(fieldError.required('spec.internalTrafficPolicy', ''));
  } else {
    errs.push(...oneOf(spec.internalTrafficPolicy, ['Cluster', 'Local'], 'spec.internalTrafficPolicy'));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && spec.type !== 'LoadBalancer') {
    errs.push(fieldError.forbidden('spec.allocateLoadBalancerNodePorts', 'may only be used when `type` is \'LoadBalancer\''));
  }
  if (spec.type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    errs.push(fieldError.required('spec.allocateLoadBalancerNodePorts', ''));
  }
  return errs;
}

export function validateService(svc: any): FieldError[] {
  const errs = validateObjectMeta(svc.metadata, { namespaced: true, name: nameIsDNS1035Label });
  errs.push(...validateServiceSpec(svc.spec ?? {}));
  return errs;
}

/** A Service's cluster IPs may be added or dropped (dual-stack) but never replaced; ExternalName is exempt. */
function validateClusterIPsUpdate(spec: any, oldSpec: any): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return errs;
  const ips: string[] = list(spec.clusterIPs);
  const old: string[] = list(oldSpec.clusterIPs);
  for (const i of [0, 1]) {
    if (old.length > i && ips.length > i && ips[i] !== old[i]) errs.push(fieldError.invalid(`spec.clusterIPs[${i}]`, ips, 'may not change once set'));
  }
  const fams: string[] = list(spec.ipFamilies);
  const oldFams: string[] = list(oldSpec.ipFamilies);
  for (const i of [0, 1]) {
    if (oldFams.length > i && fams.length > i && fams[i] !== oldFams[i]) errs.push(fieldError.invalid(`spec.ipFamilies[${i}]`, fams, 'may not change once set'));
  }
  return errs;
}

export function validateServiceUpdate(svc: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  errs.push(...validateClusterIPsUpdate(svc.spec ?? {}, old.spec ?? {}));
  errs.push(...validateServiceSpec(svc.spec ?? {}));
  return errs;
}

export function validateServiceStatusUpdate(svc: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(svc.metadata, old.metadata);
  list(svc.status?.loadBalancer?.ingress).forEach((ing: any, i: number) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    if (ing?.ip && !isIP(ing.ip)) errs.push(fieldError.invalid(`${p}.ip`, ing.ip, INVALID_IP));
    if (ing?.hostname) {
      for (const m of isDNS1123Subdomain(ing.hostname)) errs.push(fieldError.invalid(`${p}.hostname`, ing.hostname, m));
      if (isIPv4(ing.hostname) || isIPv6(ing.hostname)) errs.push(fieldError.invalid(`${p}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
    if (ing?.ipMode) {
      if (!ing.ip) errs.push(fieldError.required(`${p}.ip`, 'must be specified when `ipMode` is set'));
      errs.push(...oneOf(ing.ipMode, ['Proxy', 'VIP'], `${p}.ipMode`));
    }
  });
  return errs;
}
