/**
 * The pod worker's {@link PodResources} over kubelet-pods' parts: per pod, its volumes and its
 * files (/etc/hosts, resolv.conf, hostname) under `rootDir/pods/<uid>/`, refreshed at most once
 * a minute while it runs; per container, its env resolved through the API, its mounts, and its
 * postStart/preStop hooks.
 */
import type { Container, LifecycleHandler, Pod } from 'kubernetes-types/core/v1.js';
import type { Clock, EventRecorder } from '../client/index.ts';
import { resolveEnv } from './container-env.ts';
import { runHook } from './lifecycle/hooks.ts';
import type { ObjectSource } from './object-source.ts';
import { podDir } from './paths.ts';
import { writePodFiles } from './pod-files.ts';
import type { PodResources } from './pod-sync.ts';
import type { ContainerRuntime, Mount, Sandbox } from './runtime/runtime.ts';
import { containerMounts, refreshPodVolumes, setUpPodVolumes, tearDownPodVolumes, type PodVolume } from './volumes/index.ts';

/** How often a running pod's API-backed volumes are rewritten from their objects. */
const REFRESH_INTERVAL_MS = 60_000;

export interface KubeletPodResourcesOptions {
  rootDir: string;
  objects: ObjectSource;
  runtime: ContainerRuntime;
  recorder: Pick<EventRecorder, 'event'>;
  clock: Clock;
  nodeName: string;
  nodeIP(): string;
  clusterDNS: string[];
  clusterDomain: string;
}

interface Prepared {
  volumes: Map<string, PodVolume>;
  files: Mount[];
  podIPs: string[];
  refreshedAt: number;
}

export class KubeletPodResources implements PodResources {
  private readonly pods = new Map<string, Prepared>();

  constructor(private readonly o: KubeletPodResourcesOptions) {}

  async prepare(pod: Pod, sandbox: Sandbox): Promise<void> {
    const uid = pod.metadata!.uid!;
    const dir = podDir(this.o.rootDir, uid);
    const podIPs = pod.spec?.hostNetwork ? [this.o.nodeIP()] : sandbox.ip ? [sandbox.ip] : [];
    const volumes = await setUpPodVolumes(pod, dir, this.o.objects);
    const files = await writePodFiles(pod, dir, {
      hostIP: this.o.nodeIP(),
      podIPs,
      clusterDNS: this.o.clusterDNS,
      clusterDomain: this.o.clusterDomain,
      onEvent: (reason, message) => void this.o.recorder.event(pod, 'Warning', reason, message),
    });
    this.pods.set(uid, { volumes, files, podIPs, refreshedAt: this.o.clock.now() });
  }

  async refresh(pod: Pod): Promise<void> {
    const prepared = this.pods.get(pod.metadata!.uid!);
    if (!prepared || this.o.clock.now() - prepared.refreshedAt < REFRESH_INTERVAL_MS) return;
    prepared.refreshedAt = this.o.clock.now();
    await refreshPodVolumes(pod, podDir(this.o.rootDir, pod.metadata!.uid!), this.o.objects);
  }

  async container(pod: Pod, container: Container): Promise<{ env: string[]; mounts: Mount[] }> {
    const prepared = this.pods.get(pod.metadata!.uid!);
    const env = await resolveEnv(pod, container, this.o.objects, {
      nodeName: this.o.nodeName,
      hostIP: this.o.nodeIP(),
      podIPs: prepared?.podIPs ?? [],
      onInvalidKeys: (message) => void this.o.recorder.event(pod, 'Warning', 'InvalidEnvironmentVariableNames', message),
    });
    const mounts = await containerMounts(pod, container, prepared?.volumes ?? new Map(), { env, podFiles: prepared?.files ?? [] });
    return { env: env.map((e) => `${e.name}=${e.value}`), mounts };
  }

  async runHook(pod: Pod, container: Container, containerId: string, sandbox: Sandbox | undefined, handler: LifecycleHandler, timeoutMs: number): Promise<void> {
    const podIP = this.pods.get(pod.metadata!.uid!)?.podIPs[0];
    await runHook(handler, { runtime: this.o.runtime, containerId, netnsPath: sandbox?.netnsPath, podIP, pod, container }, { timeoutMs, clock: this.o.clock });
  }

  async cleanup(podUid: string): Promise<void> {
    await tearDownPodVolumes(podDir(this.o.rootDir, podUid));
    this.pods.delete(podUid);
  }
}
