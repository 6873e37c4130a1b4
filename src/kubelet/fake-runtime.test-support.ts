/**
 * An in-memory ContainerRuntime for the pod worker's tests: containers are records whose state
 * a test changes by hand (`exit`), and every call is logged.
 */
import type { ContainerConfig, ContainerRuntime, ContainerStatus, Sandbox, SandboxConfig } from './runtime/runtime.ts';

export class FakeRuntime implements ContainerRuntime {
  readonly sandboxes = new Map<string, Sandbox>();
  readonly containers = new Map<string, ContainerStatus>();
  readonly calls: string[] = [];
  private next = 0;

  constructor(private readonly now: () => number) {}

  async version() {
    return { name: 'runc', version: '1.1.5' };
  }

  async runPodSandbox(config: SandboxConfig): Promise<Sandbox> {
    const id = `pod-${config.pod.uid}`;
    this.calls.push(`runPodSandbox ${id}`);
    const sandbox = this.sandboxes.get(id) ?? { id, pod: config.pod, netnsPath: `/run/skiff/netns/${id}`, createdAt: new Date(this.now()) };
    this.sandboxes.set(id, sandbox);
    return sandbox;
  }

  async removePodSandbox(id: string): Promise<void> {
    this.calls.push(`removePodSandbox ${id}`);
    this.sandboxes.delete(id);
  }

  async listPodSandboxes(): Promise<Sandbox[]> {
    return [...this.sandboxes.values()];
  }

  async createContainer(sandbox: Sandbox, config: ContainerConfig): Promise<string> {
    const id = `c${this.next++}`;
    this.calls.push(`create ${config.name}#${config.attempt}`);
    this.containers.set(id, {
      id,
      sandboxId: sandbox.id,
      pod: sandbox.pod,
      name: config.name,
      attempt: config.attempt,
      image: config.image,
      imageId: config.imageId,
      state: 'created',
      createdAt: new Date(this.now()),
      logPath: config.logPath,
      annotations: config.annotations,
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    const c = this.containers.get(id)!;
    Object.assign(c, { state: 'running', startedAt: new Date(this.now()), pid: 1000 + Number(id.slice(1)) });
  }

  async stopContainer(id: string, grace: number): Promise<void> {
    this.calls.push(`stop ${id} ${grace}`);
    const c = this.containers.get(id);
    if (c && c.state !== 'exited') this.exit(id, 137);
  }

  async removeContainer(id: string): Promise<void> {
    this.calls.push(`remove ${id}`);
    this.containers.delete(id);
  }

  async listContainers(filter: { podUid?: string } = {}): Promise<ContainerStatus[]> {
    return [...this.containers.values()].filter((c) => !filter.podUid || c.pod.uid === filter.podUid).map((c) => ({ ...c }));
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    return this.containers.get(id);
  }

  async exec(): Promise<{ exitCode: number }> {
    return { exitCode: 0 };
  }

  /** The container's process ends with `code`. */
  exit(id: string, code: number): void {
    Object.assign(this.containers.get(id)!, { state: 'exited', exitCode: code, reason: code === 0 ? 'Completed' : 'Error', finishedAt: new Date(this.now()), pid: undefined });
  }

  /** The latest container named `name`. */
  latest(name: string): ContainerStatus | undefined {
    return [...this.containers.values()].filter((c) => c.name === name).sort((a, b) => b.attempt - a.attempt)[0];
  }
}
