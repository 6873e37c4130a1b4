/**
 * Works out the `endpoints.kubernetes.io/last-change-trigger-time` of a Service's endpoints:
 * the moment of the earliest change not yet reflected in them, so that a consumer (kube-proxy,
 * a latency SLI) can tell how long a change took to land. A change is a pod whose Ready
 * condition moved since the last sync, or the Service itself being new. The tracker remembers,
 * per Service, each pod's last transition time at the last sync that landed; nothing changed →
 * no time.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1.js';

interface ServiceState {
  createdAt: number;
  /** pod name → Ready lastTransitionTime (ms) at the last sync */
  pods: Map<string, number>;
}

export class TriggerTimeTracker {
  private readonly services = new Map<string, ServiceState>();
  /**
   * Per Service, the snapshot its last {@link compute} took, and of which pods: {@link record}
   * of the same list reuses it rather than reading every pod's Ready condition and time again.
   */
  private readonly computed = new Map<string, { pods: Pod[]; state: ServiceState }>();

  /**
   * The trigger time for syncing `svc` with `pods` (its selected pods) now, as an RFC 3339
   * timestamp, or undefined when nothing changed since the last {@link record}.
   */
  compute(svc: Service, pods: Pod[]): string | undefined {
    const previous = this.services.get(keyOf(svc));
    const next = snapshot(svc, pods);
    this.computed.set(keyOf(svc), { pods, state: next });
    if (!previous) return next.createdAt ? formatTriggerTime(next.createdAt) : undefined;
    let earliest: number | undefined;
    for (const [name, changedAt] of next.pods) {
      if (changedAt > (previous.pods.get(name) ?? 0)) earliest = Math.min(earliest ?? changedAt, changedAt);
    }
    if (next.createdAt > previous.createdAt) earliest = Math.min(earliest ?? next.createdAt, next.createdAt);
    return earliest === undefined ? undefined : formatTriggerTime(earliest);
  }

  /**
   * Records that the endpoints now reflect `svc` with `pods`. Called only once they do (after
   * a successful write, or when none was needed), so a write that failed is retried with the
   * same trigger time.
   */
  record(svc: Service, pods: Pod[]): void {
    const key = keyOf(svc);
    const last = this.computed.get(key);
    this.computed.delete(key);
    this.services.set(key, last?.pods === pods && last.state.createdAt === parseTime(svc.metadata?.creationTimestamp) ? last.state : snapshot(svc, pods));
  }

  /** Forgets a Service that is gone. */
  forget(namespace: string, name: string): void {
    this.services.delete(`${namespace}/${name}`);
    this.computed.delete(`${namespace}/${name}`);
  }
}

function keyOf(svc: Service): string {
  return `${svc.metadata?.namespace}/${svc.metadata?.name}`;
}

function snapshot(svc: Service, pods: Pod[]): ServiceState {
  const state: ServiceState = { createdAt: parseTime(svc.metadata?.creationTimestamp), pods: new Map() };
  for (const pod of pods) {
    const changedAt = parseTime(pod.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
    if (changedAt) state.pods.set(pod.metadata?.name ?? '', changedAt);
  }
  return state;
}

function parseTime(s: string | undefined): number {
  const ms = s ? Date.parse(s) : NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/** RFC 3339 with as many fraction digits as needed (Go's RFC3339Nano), e.g. 2024-01-02T03:04:05Z. */
export function formatTriggerTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}
