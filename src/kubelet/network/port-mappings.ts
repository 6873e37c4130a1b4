/**
 * A pod's hostPorts as the sandbox's port mappings (what the kubelet hands CRI's
 * RunPodSandbox): every container port with a hostPort. A hostNetwork pod has none — its
 * containers listen on the node's ports themselves.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PortMapping } from '../runtime/runtime.ts';

/** The pod's hostPort mappings, in spec order. */
export function podPortMappings(pod: Pod): PortMapping[] {
  if (pod.spec?.hostNetwork) return [];
  return (pod.spec?.containers ?? []).flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => (p.hostPort ?? 0) > 0)
      .map((p) => ({
        protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'],
        containerPort: p.containerPort,
        hostPort: p.hostPort!,
        ...(p.hostIP ? { hostIP: p.hostIP } : {}),
      })),
  );
}
