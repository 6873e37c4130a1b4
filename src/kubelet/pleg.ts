/**
 * The pod lifecycle event generator (upstream's generic PLEG): relists the runtime's containers
 * every second and tells the pod workers which pods had a container appear, change state
 * (started, exited) or disappear — how the kubelet notices a container exit, since no shim
 * reports it.
 */
import type { Clock } from '../client/index.ts';
import type { ContainerRuntime } from './runtime/runtime.ts';

export interface PlegOptions {
  runtime: Pick<ContainerRuntime, 'listContainers'>;
  clock: Clock;
  /** Called with the uid of each pod whose containers changed. */
  onPodChanged(podUid: string): void;
  /** Default 1 s. */
  relistPeriodMs?: number;
  log: (line: string) => void;
}

export class Pleg {
  /** container id → "state/podUid" as last seen. */
  private seen = new Map<string, { state: string; podUid: string }>();
  private cancel?: () => void;
  private stopped = false;

  constructor(private readonly options: PlegOptions) {}

  start(): void {
    const tick = async () => {
      await this.relist().catch((err) => this.options.log(`pleg: relist failed: ${err instanceof Error ? err.message : String(err)}`));
      if (!this.stopped) this.cancel = this.options.clock.setTimer(this.options.relistPeriodMs ?? 1000, () => void tick());
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  /** One relist: reports the pods whose containers changed since the last one. */
  async relist(): Promise<void> {
    const containers = await this.options.runtime.listContainers();
    const now = new Map(containers.map((c) => [c.id, { state: c.state, podUid: c.pod.uid }]));
    const changed = new Set<string>();
    for (const [id, c] of now) if (this.seen.get(id)?.state !== c.state) changed.add(c.podUid);
    for (const [id, c] of this.seen) if (!now.has(id)) changed.add(c.podUid);
    this.seen = now;
    for (const uid of changed) this.options.onPodChanged(uid);
  }
}
