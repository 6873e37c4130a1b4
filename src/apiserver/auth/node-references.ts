/**
 * Which objects a pod refers to, for the node authorizer's "only what your pods use" rule
 * (upstream keeps this as a graph; Skiff asks the pods of the namespace on each request, which
 * is cheap at its scale): Secrets (volumes, projected sources, env, envFrom, image pull
 * secrets), ConfigMaps (the same places), PersistentVolumeClaims (volumes) and the pod's
 * service account (for its tokens).
 */
import type { Container, EnvFromSource, EnvVar, Pod, Volume } from 'kubernetes-types/core/v1.js';

/** The kinds of reference the node authorizer checks, by resource plural. */
export type ReferencedResource = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';

/** Whether `pod` refers to the `resource` object called `name` (in its own namespace). */
export function podRefersTo(pod: Pod, resource: ReferencedResource, name: string): boolean {
  const spec = pod.spec;
  if (!spec) return false;
  switch (resource) {
    case 'serviceaccounts':
      return (spec.serviceAccountName ?? 'default') === name;
    case 'persistentvolumeclaims':
      return (spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name || (v.ephemeral !== undefined && `${pod.metadata?.name}-${v.name}` === name));
    case 'secrets':
      return (spec.imagePullSecrets ?? []).some((s) => s.name === name) || volumeNames(spec.volumes, 'secret').includes(name) || envNames(allContainers(pod), 'secret').includes(name);
    case 'configmaps':
      return volumeNames(spec.volumes, 'configmap').includes(name) || envNames(allContainers(pod), 'configmap').includes(name);
  }
}

function allContainers(pod: Pod): Container[] {
  const spec = pod.spec!;
  return [...(spec.initContainers ?? []), ...spec.containers, ...((spec.ephemeralContainers ?? []) as Container[])];
}

function volumeNames(volumes: Volume[] | undefined, kind: 'secret' | 'configmap'): string[] {
  const names: (string | undefined)[] = [];
  for (const v of volumes ?? []) {
    if (kind === 'secret') {
      names.push(v.secret?.secretName);
      for (const s of v.projected?.sources ?? []) names.push(s.secret?.name);
    } else {
      names.push(v.configMap?.name);
      for (const s of v.projected?.sources ?? []) names.push(s.configMap?.name);
    }
  }
  return names.filter((n): n is string => !!n);
}

function envNames(containers: Container[], kind: 'secret' | 'configmap'): string[] {
  const fromEnv = (e: EnvVar) => (kind === 'secret' ? e.valueFrom?.secretKeyRef?.name : e.valueFrom?.configMapKeyRef?.name);
  const fromEnvFrom = (e: EnvFromSource) => (kind === 'secret' ? e.secretRef?.name : e.configMapRef?.name);
  return containers
    .flatMap((c) => [...(c.env ?? []).map(fromEnv), ...(c.envFrom ?? []).map(fromEnvFrom)])
    .filter((n): n is string => !!n);
}
