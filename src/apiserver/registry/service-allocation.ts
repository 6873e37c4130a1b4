/**
 * Gives Services their ClusterIP and NodePorts, keeps them across updates that omit them
 * (as upstream does, so `kubectl replace` of a manifest without clusterIP works), and frees
 * them when the Service goes. Claims are made before the write and undone if the write fails.
 */
import { fieldError, type FieldError } from '../../api/field-error.ts';
import { AllocationError, type Allocator } from './allocator.ts';
import type { KObject } from './object-store.ts';

export interface ServiceAllocators {
  clusterIPs: Allocator;
  nodePorts: Allocator;
}

/** Claims made for one write, so they can be undone. */
export interface Claims {
  clusterIPs: string[];
  nodePorts: number[];
}

function needsClusterIP(svc: KObject): boolean {
  return svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
}

function needsNodePorts(svc: KObject): boolean {
  return svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
}

function owner(svc: KObject): string {
  return `${svc.metadata.namespace}/${svc.metadata.name}`;
}

/** Thrown as a 422 Invalid by the registry. */
export class AllocationInvalid extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => e.detail).join('; '));
  }
}

async function claimClusterIP(a: ServiceAllocators, svc: KObject, claims: Claims, dryRun: boolean): Promise<void> {
  const spec = svc.spec;
  if (!needsClusterIP(svc)) {
    if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
    return;
  }
  const wanted: string | undefined = spec.clusterIP || spec.clusterIPs?.[0];
  if (wanted) {
    if (!dryRun) {
      try {
        await a.clusterIPs.allocate(wanted, owner(svc));
      } catch (err) {
        if (!(err instanceof AllocationError)) throw err;
        const detail = err.reason === 'outOfRange'
          ? `failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is ${a.clusterIPs.range.describe}`
          : `failed to allocate IP ${wanted}: provided IP is already allocated`;
        throw new AllocationInvalid([fieldError.invalid('spec.clusterIPs', [wanted], detail)]);
      }
      claims.clusterIPs.push(wanted);
    }
    spec.clusterIP = wanted;
  } else {
    try {
      spec.clusterIP = dryRun ? await a.clusterIPs.peekFree() : await a.clusterIPs.allocateNext(owner(svc));
    } catch (err) {
      if (err instanceof AllocationError) throw new AllocationInvalid([fieldError.invalid('spec.clusterIPs', [], `failed to allocate IP: ${err.message}`)]);
      throw err;
    }
    if (!dryRun) claims.clusterIPs.push(spec.clusterIP);
  }
  spec.clusterIPs = [spec.clusterIP];
}

async function claimNodePorts(a: ServiceAllocators, svc: KObject, claims: Claims, dryRun: boolean, keep: Set<number>): Promise<void> {
  if (!needsNodePorts(svc)) {
    for (const p of svc.spec.ports ?? []) delete p.nodePort;
    return;
  }
  const errors: FieldError[] = [];
  const ports: KObject[] = svc.spec.ports ?? [];
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i];
    if (p.nodePort) {
      if (keep.has(p.nodePort) || dryRun) continue;
      try {
        await a.nodePorts.allocate(String(p.nodePort), owner(svc));
        claims.nodePorts.push(p.nodePort);
      } catch (err) {
        if (!(err instanceof AllocationError)) throw err;
        const detail = err.reason === 'outOfRange'
          ? `provided port is not in the valid range. The range of valid ports is ${a.nodePorts.range.describe}`
          : 'provided port is already allocated';
        errors.push(fieldError.invalid(`spec.ports[${i}].nodePort`, p.nodePort, detail));
      }
    } else {
      try {
        p.nodePort = Number(dryRun ? await a.nodePorts.peekFree() : await a.nodePorts.allocateNext(owner(svc)));
      } catch (err) {
        if (!(err instanceof AllocationError)) throw err;
        errors.push(fieldError.invalid(`spec.ports[${i}].nodePort`, 0, `failed to allocate a nodePort: ${err.message}`));
        continue;
      }
      if (!dryRun) claims.nodePorts.push(p.nodePort);
    }
  }
  if (errors.length) throw new AllocationInvalid(errors);
}

export async function allocateForCreate(a: ServiceAllocators, svc: KObject, dryRun: boolean): Promise<Claims> {
  const claims: Claims = { clusterIPs: [], nodePorts: [] };
  try {
    await claimClusterIP(a, svc, claims, dryRun);
    await claimNodePorts(a, svc, claims, dryRun, new Set());
  } catch (err) {
    await releaseClaims(a, claims);
    throw err;
  }
  return claims;
}

/** Fills what an update omitted from the old Service (clusterIP, nodePorts). */
export function keepAllocatedValues(svc: KObject, old: KObject): void {
  const spec = (svc.spec ??= {});
  if (needsClusterIP(svc) && needsClusterIP(old) && !spec.clusterIP && !spec.clusterIPs?.length) {
    spec.clusterIP = old.spec.clusterIP;
    spec.clusterIPs = old.spec.clusterIPs;
  }
  if (needsNodePorts(svc) && needsNodePorts(old)) {
    const oldPorts: KObject[] = old.spec.ports ?? [];
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const same = oldPorts.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP')) ?? (oldPorts.length === 1 && spec.ports.length === 1 ? oldPorts[0] : undefined);
      if (same?.nodePort) p.nodePort = same.nodePort;
    }
  }
}

/**
 * When an update changes a Service's type, values the old type needed and the new one forbids
 * are dropped if the client merely carried them over (a patch or apply that only changed
 * `type`), as upstream's dropTypeDependentFields does; values the client changed are left for
 * validation to judge.
 */
export function dropTypeDependentFields(svc: KObject, old: KObject): void {
  const spec = svc.spec;
  if (!spec || !old.spec || spec.type === old.spec.type) return;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!needsClusterIP(svc) && svc.spec.clusterIP !== 'None' && needsClusterIP(old)) {
    if (same(spec.clusterIP, old.spec.clusterIP)) delete spec.clusterIP;
    if (same(spec.clusterIPs, old.spec.clusterIPs)) delete spec.clusterIPs;
    if (same(spec.ipFamilies, old.spec.ipFamilies)) delete spec.ipFamilies;
    if (same(spec.ipFamilyPolicy, old.spec.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  if (!needsNodePorts(svc) && needsNodePorts(old)) {
    const oldPorts: KObject[] = old.spec.ports ?? [];
    for (const p of spec.ports ?? []) {
      if (p.nodePort && oldPorts.some((o) => o.nodePort === p.nodePort)) delete p.nodePort;
    }
    if (same(spec.externalTrafficPolicy, old.spec.externalTrafficPolicy)) delete spec.externalTrafficPolicy;
  }
  if (spec.type !== 'LoadBalancer' && old.spec.type === 'LoadBalancer') {
    if (same(spec.healthCheckNodePort, old.spec.healthCheckNodePort)) delete spec.healthCheckNodePort;
    if (same(spec.allocateLoadBalancerNodePorts, old.spec.allocateLoadBalancerNodePorts)) delete spec.allocateLoadBalancerNodePorts;
    if (same(spec.loadBalancerClass, old.spec.loadBalancerClass)) delete spec.loadBalancerClass;
  }
}

/**
 * Claims what an update newly needs. Returns the claims (undo on failure) and the values the
 * old Service held that the new one no longer uses (free them after the write).
 */
export async function allocateForUpdate(a: ServiceAllocators, svc: KObject, old: KObject, dryRun: boolean): Promise<{ claims: Claims; freed: Claims }> {
  const claims: Claims = { clusterIPs: [], nodePorts: [] };
  const oldIP: string | undefined = needsClusterIP(old) ? old.spec.clusterIP : undefined;
  const oldPorts = new Set<number>(needsNodePorts(old) ? (old.spec.ports ?? []).map((p: KObject) => p.nodePort).filter(Boolean) : []);
  try {
    if (needsClusterIP(svc) && svc.spec.clusterIP && svc.spec.clusterIP === oldIP) {
      svc.spec.clusterIPs = [oldIP];
    } else {
      await claimClusterIP(a, svc, claims, dryRun);
    }
    await claimNodePorts(a, svc, claims, dryRun, oldPorts);
  } catch (err) {
    await releaseClaims(a, claims);
    throw err;
  }
  const newIP = needsClusterIP(svc) ? svc.spec.clusterIP : undefined;
  const newPorts = new Set<number>(needsNodePorts(svc) ? (svc.spec.ports ?? []).map((p: KObject) => p.nodePort) : []);
  const freed: Claims = {
    clusterIPs: oldIP && oldIP !== newIP ? [oldIP] : [],
    nodePorts: [...oldPorts].filter((p) => !newPorts.has(p)),
  };
  return { claims, freed };
}

/** What a Service holds, to free when it is deleted. */
export function heldBy(svc: KObject): Claims {
  return {
    clusterIPs: needsClusterIP(svc) && svc.spec?.clusterIP ? [svc.spec.clusterIP] : [],
    nodePorts: needsNodePorts(svc) ? (svc.spec?.ports ?? []).map((p: KObject) => p.nodePort).filter(Boolean) : [],
  };
}

export async function releaseClaims(a: ServiceAllocators, claims: Claims): Promise<void> {
  for (const ip of claims.clusterIPs) await a.clusterIPs.release(ip);
  for (const port of claims.nodePorts) await a.nodePorts.release(String(port));
}
