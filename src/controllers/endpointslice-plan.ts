/**
 * The EndpointSlice controller's decision (pure): given a Service's existing slices and the
 * endpoints it should have, grouped by the ports they offer, which slices to create, update
 * and delete. Upstream's goals, in order: never more than `maxEndpointsPerSlice` endpoints in
 * a slice; as few writes as possible — an endpoint stays in the slice it is in, new endpoints
 * go first into slices being written anyway, then into one existing slice with room, and only
 * then into new slices; a slice that would be deleted while another is created is updated in
 * place instead. A Service with no endpoints at all keeps one empty "placeholder" slice.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';

/** The endpoints of a Service that offer exactly `ports`. */
export interface EndpointGroup {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

/** What one slice should hold. */
export interface SliceContent {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export interface SlicePlan {
  create: SliceContent[];
  /** Existing slices with their new content (labels are always rewritten too). */
  update: (SliceContent & { slice: EndpointSlice })[];
  delete: EndpointSlice[];
}

export interface PlanOptions {
  /** Upstream's --max-endpoints-per-slice. Default 100. */
  maxEndpointsPerSlice?: number;
  /** The labels every slice should carry; a slice whose labels differ is updated. */
  labels: Record<string, string>;
}

export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export function planSlices(existing: EndpointSlice[], desired: EndpointGroup[], options: PlanOptions): SlicePlan {
  const max = options.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const groups = new Map(desired.filter((g) => g.endpoints.length > 0).map((g) => [portsKey(g.ports), g]));
  const slicesByPorts = new Map<string, EndpointSlice[]>();
  for (const slice of existing) {
    const key = portsKey(slice.ports ?? []);
    if (!groups.has(key)) plan.delete.push(slice);
    else slicesByPorts.set(key, [...(slicesByPorts.get(key) ?? []), slice]);
  }

  for (const [key, group] of groups) {
    const wanted = new Map(group.endpoints.map((ep) => [endpointKey(ep), ep]));
    const changed: { slice: EndpointSlice; endpoints: Endpoint[] }[] = [];
    const unchanged: { slice: EndpointSlice; endpoints: Endpoint[] }[] = [];
    for (const slice of slicesByPorts.get(key) ?? []) {
      let dirty = !isDeepStrictEqual(slice.metadata?.labels ?? {}, options.labels);
      const kept: Endpoint[] = [];
      for (const ep of slice.endpoints ?? []) {
        const k = endpointKey(ep);
        const want = wanted.get(k);
        // Gone, or already kept by another slice (a duplicate): either way it leaves this one.
        if (!want) {
          dirty = true;
          continue;
        }
        wanted.delete(k);
        if (!endpointsEqual(ep, want)) dirty = true;
        kept.push(want);
      }
      if (kept.length === 0) plan.delete.push(slice);
      else (dirty ? changed : unchanged).push({ slice, endpoints: kept });
    }

    const remaining = [...wanted.values()];
    const fullestFirst = (a: { endpoints: Endpoint[] }, b: { endpoints: Endpoint[] }) => b.endpoints.length - a.endpoints.length;
    for (const u of changed.sort(fullestFirst)) u.endpoints.push(...remaining.splice(0, Math.max(0, max - u.endpoints.length)));
    if (remaining.length > 0) {
      const fit = unchanged.sort(fullestFirst).find((u) => max - u.endpoints.length >= remaining.length);
      if (fit) {
        fit.endpoints.push(...remaining.splice(0));
        changed.push(fit);
      }
    }
    while (remaining.length > 0) plan.create.push({ ports: group.ports, endpoints: remaining.splice(0, max) });
    for (const u of changed) plan.update.push({ slice: u.slice, ports: group.ports, endpoints: u.endpoints });
  }

  if (plan.create.length === 0 && plan.delete.length === existing.length) {
    const placeholder = plan.delete.findIndex(isPlaceholder);
    if (placeholder < 0) plan.create.push({ ports: [], endpoints: [] });
    else {
      const [slice] = plan.delete.splice(placeholder, 1);
      if (!isDeepStrictEqual(slice.metadata?.labels ?? {}, options.labels)) plan.update.push({ slice, ports: [], endpoints: [] });
    }
  }
  // Rather than delete one slice and create another, rewrite the one being deleted.
  while (plan.create.length > 0 && plan.delete.length > 0) {
    const content = plan.create.pop()!;
    plan.update.push({ slice: plan.delete.pop()!, ...content });
  }
  return plan;
}

function isPlaceholder(slice: EndpointSlice): boolean {
  return (slice.endpoints ?? []).length === 0 && (slice.ports ?? []).length === 0;
}

/** Identifies a set of ports regardless of how the server spelled defaults. */
export function portsKey(ports: EndpointPort[]): string {
  return JSON.stringify(ports.map((p) => [p.name ?? '', p.port ?? null, p.protocol ?? 'TCP', p.appProtocol ?? '']));
}

/** An endpoint is the same endpoint when it points at the same pod (its IP may change). */
function endpointKey(ep: Endpoint): string {
  return ep.targetRef?.uid ? `uid:${ep.targetRef.uid}` : `addr:${[...ep.addresses].sort().join(',')}`;
}

function endpointsEqual(a: Endpoint, b: Endpoint): boolean {
  return canonical(a) === canonical(b);
}

function canonical(ep: Endpoint): string {
  const c = ep.conditions ?? {};
  const t = ep.targetRef ?? {};
  return JSON.stringify([
    ep.addresses,
    [c.ready ?? null, c.serving ?? null, c.terminating ?? null],
    ep.hostname ?? '',
    ep.nodeName ?? '',
    ep.zone ?? '',
    [t.kind ?? '', t.namespace ?? '', t.name ?? '', t.uid ?? ''],
  ]);
}
