/**
 * Container probes: one probe run (exec, httpGet, tcpSocket) and the manager that runs startup,
 * liveness and readiness probes for every running container and reports their verdicts.
 */
export { ProbeManager, type PodProbeState, type ProbeChange, type ProbeKind, type ProbeManagerOptions } from './probe-manager.ts';
export { probe, type ProbeOutcome, type ProbeResult } from './prober.ts';
export { type ProbeTarget } from './target.ts';
