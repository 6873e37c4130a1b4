/**
 * Runs one probe once: exec (exit 0), httpGet (a 2xx or 3xx answer; a redirect to another host
 * is a success with a warning), tcpSocket (the port accepts) or grpc (the health service says
 * SERVING), within timeoutSeconds. The
 * output is what the kubelet puts in its events, in upstream's words:
 * `HTTP probe failed with statuscode: 500`, `command "sh -c sleep 5" timed out`.
 */
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import { expand } from '../container-config.ts';
import { execInContainer } from './exec-probe.ts';
import { grpcHealthCheck } from './grpc-health.ts';
import { httpGet } from './http-get.ts';
import { tcpSocketCheck } from './tcp-socket.ts';
import type { ProbeTarget } from './target.ts';

/**
 * success and warning count as passing; failure as failing; unknown means the probe could not
 * run (it changes nothing, as upstream's errored probes).
 */
export type ProbeOutcome = 'success' | 'warning' | 'failure' | 'unknown';

export interface ProbeResult {
  outcome: ProbeOutcome;
  output: string;
}

/** Runs `spec` against `target`. Never rejects. */
export async function probe(spec: Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (spec.timeoutSeconds ?? 1) * 1000;
  try {
    if (spec.exec) {
      const argv = staticExpand(spec.exec.command ?? [], target.container);
      const r = await execInContainer(target, argv, timeoutMs);
      return { outcome: r.exitCode === 0 ? 'success' : 'failure', output: r.output };
    }
    if (spec.httpGet) {
      const r = await httpGet(spec.httpGet, target, timeoutMs);
      if (r.error !== undefined) return { outcome: 'failure', output: r.error };
      const code = r.statusCode!;
      if (code >= 200 && code < 300) return { outcome: 'success', output: r.body };
      if (code >= 300 && code < 400) return { outcome: 'warning', output: `Probe terminated redirects, Response body: ${r.body}` };
      return { outcome: 'failure', output: `HTTP probe failed with statuscode: ${code}` };
    }
    if (spec.tcpSocket) {
      const why = await tcpSocketCheck(spec.tcpSocket, target, timeoutMs);
      return why === undefined ? { outcome: 'success', output: '' } : { outcome: 'failure', output: why };
    }
    if (spec.grpc) {
      const why = await grpcHealthCheck(spec.grpc, target, timeoutMs);
      return why === undefined ? { outcome: 'success', output: '' } : { outcome: 'failure', output: why };
    }
    return { outcome: 'unknown', output: 'missing probe handler' };
  } catch (err) {
    return { outcome: 'unknown', output: (err as Error).message };
  }
}

/** `$(VAR)` in an exec probe's command expands from the container's literal env values only, as upstream. */
function staticExpand(argv: string[], container: Container): string[] {
  const vars = new Map((container.env ?? []).filter((e) => e.value !== undefined && !e.valueFrom).map((e) => [e.name, e.value!]));
  return argv.map((a) => expand(a, vars));
}
