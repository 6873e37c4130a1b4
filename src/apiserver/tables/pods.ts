/**
 * The pod table: NAME READY STATUS RESTARTS AGE, and IP NODE NOMINATED NODE READINESS GATES
 * with -o wide. STATUS is the summary `kubectl get pods` is known for, derived as upstream
 * derives it: the phase or reason, overridden by init progress (`Init:1/2`,
 * `Init:CrashLoopBackOff`), by a container's waiting or terminated reason
 * (`ContainerCreating`, `CrashLoopBackOff`, `Completed`, `Error`), and by deletion
 * (`Terminating`).
 */
import { AGE, NAME } from './columns.ts';
import { conditionStatus, since } from './format.ts';
import { column, type RowCondition, type TablePrinter } from './types.ts';

/** Sidecars: init containers that keep running (restartPolicy Always) count as containers. */
function isRestartable(container: any): boolean {
  return container?.restartPolicy === 'Always';
}

/** A terminated state's reason, or `ExitCode:N` / `Signal:N` when it has none. */
function terminatedReason(t: any, prefix: string): string {
  if (t.reason) return `${prefix}${t.reason}`;
  return t.signal ? `${prefix}Signal:${t.signal}` : `${prefix}ExitCode:${t.exitCode ?? 0}`;
}

function later(current: string | undefined, candidate: unknown): string | undefined {
  if (typeof candidate !== 'string' || candidate === '') return current;
  if (current === undefined || Date.parse(candidate) > Date.parse(current)) return candidate;
  return current;
}

interface PodSummary {
  ready: string;
  status: string;
  restarts: number;
  lastRestart?: string;
}

/** Upstream's pod summary: see the module comment. */
export function summarizePod(pod: any): PodSummary {
  const spec = pod?.spec ?? {};
  const status = pod?.status ?? {};
  const phase: string = status.phase ?? '';
  let reason: string = status.reason || phase;
  if ((status.conditions ?? []).some((c: any) => c?.type === 'PodScheduled' && c?.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  const initSpecs = new Map<string, any>();
  let total = (spec.containers ?? []).length;
  for (const c of spec.initContainers ?? []) {
    initSpecs.set(c?.name, c);
    if (isRestartable(c)) total++;
  }

  let ready = 0;
  let restarts = 0;
  let lastRestart: string | undefined;
  let sidecarRestarts = 0;
  let lastSidecarRestart: string | undefined;
  let initializing = false;
  const initStatuses: any[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const restartable = isRestartable(initSpecs.get(c?.name));
    restarts += c?.restartCount ?? 0;
    lastRestart = later(lastRestart, c?.lastState?.terminated?.finishedAt);
    if (restartable) {
      sidecarRestarts += c?.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, c?.lastState?.terminated?.finishedAt);
    }
    const terminated = c?.state?.terminated;
    const waiting = c?.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (restartable && c?.started === true) {
      if (c?.ready) ready++;
      continue;
    }
    if (terminated) reason = terminatedReason(terminated, 'Init:');
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionStatus(status.conditions, 'Initialized') === 'True') {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: any[] = status.containerStatuses ?? [];
    // Upstream walks the containers backwards, so the first container's state has the last word.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c?.restartCount ?? 0;
      lastRestart = later(lastRestart, c?.lastState?.terminated?.finishedAt);
      const waiting = c?.state?.waiting;
      const terminated = c?.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated) reason = terminatedReason(terminated, '');
      else if (c?.ready && c?.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditionStatus(status.conditions, 'Ready') === 'True' ? 'Running' : 'NotReady';
    }
  }

  if (pod?.metadata?.deletionTimestamp) {
    if (status.reason === 'NodeLost') reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }
  return { ready: `${ready}/${total}`, status: reason, restarts, lastRestart };
}

function readinessGates(pod: any): string {
  const gates: any[] = pod?.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conditions: any[] = pod?.status?.conditions ?? [];
  const passing = gates.filter((g) => conditions.find((c) => c?.type === g?.conditionType)?.status === 'True').length;
  return `${passing}/${gates.length}`;
}

const COMPLETED: Record<string, RowCondition> = {
  Succeeded: { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
  Failed: { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
};

export const podPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Ready', 'string', 'Containers ready out of all containers of the pod.'),
    column('Status', 'string', 'Summary of the state of the pod and its containers.'),
    column('Restarts', 'string', 'Container restarts in the pod, and how long ago the last one was.'),
    AGE,
    column('IP', 'string', 'The address allocated to the pod.', { priority: 1 }),
    column('Node', 'string', 'The node the pod is bound to.', { priority: 1 }),
    column('Nominated Node', 'string', 'The node the scheduler plans to place the pod on after preemption.', { priority: 1 }),
    column('Readiness Gates', 'string', 'Readiness gates that pass out of all readiness gates.', { priority: 1 }),
  ],
  cells(pod, now) {
    const s = summarizePod(pod);
    const restarts = s.restarts !== 0 && s.lastRestart ? `${s.restarts} (${since(s.lastRestart, now)} ago)` : String(s.restarts);
    // Upstream reads podIPs[0]; a v1 object with only podIP converts to the same list.
    const ip = pod?.status?.podIPs?.[0]?.ip || pod?.status?.podIP || '<none>';
    return [
      pod?.metadata?.name ?? '',
      s.ready,
      s.status,
      restarts,
      since(pod?.metadata?.creationTimestamp, now),
      ip,
      pod?.spec?.nodeName || '<none>',
      pod?.status?.nominatedNodeName || '<none>',
      readinessGates(pod),
    ];
  },
  conditions(pod) {
    const c = COMPLETED[pod?.status?.phase];
    return c ? [c] : undefined;
  },
};
