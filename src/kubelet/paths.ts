/**
 * Where the kubelet keeps things under its root directory (see the kubelet's design notes):
 * per-pod directories and upstream's /var/log/pods layout for container logs.
 */
import { join } from 'node:path';

/** `rootDir/pods/<uid>`: the pod's volumes and files (etc-hosts, resolv.conf, hostname). */
export function podDir(rootDir: string, podUid: string): string {
  return join(rootDir, 'pods', podUid);
}

/** `rootDir/logs/<namespace>_<name>_<uid>`: the pod's container logs. */
export function podLogDir(rootDir: string, pod: { namespace: string; name: string; uid: string }): string {
  return join(rootDir, 'logs', `${pod.namespace}_${pod.name}_${pod.uid}`);
}

/** `rootDir/logs/<namespace>_<name>_<uid>/<container>/<attempt>.log`. */
export function containerLogPath(rootDir: string, pod: { namespace: string; name: string; uid: string }, container: string, attempt: number): string {
  return join(podLogDir(rootDir, pod), container, `${attempt}.log`);
}
