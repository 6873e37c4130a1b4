/**
 * Removes what a local cluster's agent leaves on the machine once it is killed (an agent that
 * stops leaves its containers running, by design): its containers (monitors, runc state,
 * cgroups) and its pod sandboxes (PID-namespace holders, namespace file placeholders under
 * /run/skiff, pod cgroups). The mounts the agent made live in its host's mount namespace and go
 * with it (host-mounts.ts). Run with the agent dead, or it would start them again.
 */
import { OciRuntime } from '../kubelet/runtime/oci-runtime.ts';

/** Removes the containers and sandboxes of the agent whose root is `agentDir`. Best effort. */
export async function removeNodeLeftovers(agentDir: string): Promise<void> {
  const runtime = new OciRuntime({ rootDir: agentDir });
  for (const c of await runtime.listContainers().catch(() => [])) await runtime.removeContainer(c.id).catch(() => undefined);
  for (const s of await runtime.listPodSandboxes().catch(() => [])) await runtime.removePodSandbox(s.id).catch(() => undefined);
}
