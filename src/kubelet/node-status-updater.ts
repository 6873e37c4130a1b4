/**
 * Keeps this kubelet's Node registered and its status current: registers the Node (creates
 * it, or brings an existing one's labels up to date), then every 10 s rebuilds the status from
 * fresh host facts and posts it when something changed, and at least once a minute anyway
 * (the heartbeat in lastHeartbeatTime; the Lease is the frequent one).
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isAlreadyExists, isNotFound, type Clock, type RestClient } from '../client/index.ts';
import type { ImageService } from './images/image-service.ts';
import { readHostFacts, type HostFacts } from './node-info.ts';
import { buildNodeStatus, newNode, nodeLabels, nodeStatusChanged, type NodeStatusInputs, type ResourceList } from './node-status.ts';
import type { ContainerRuntime } from './runtime/runtime.ts';

const NODES = findResource('', 'v1', 'nodes')!;

export interface NodeStatusUpdaterOptions {
  nodeName: string;
  rootDir: string;
  nodeIP?: string;
  isServer: boolean;
  kubeletPort: number;
  systemReserved?: ResourceList;
  kubeReserved?: ResourceList;
  runtime: Pick<ContainerRuntime, 'version'>;
  images: Pick<ImageService, 'list'>;
  /** The pod network, when the kubelet gives pods addresses: the node is not Ready until it can. */
  network?: { notReadyReason(): string | undefined };
  clock: Clock;
  /** How often the status is rebuilt (default 10 s) and the longest time between posts (default 1 minute). */
  checkIntervalMs?: number;
  reportIntervalMs?: number;
  log: (line: string) => void;
}

export class NodeStatusUpdater {
  private node?: Node;
  private lastPostAt = 0;
  private cancel?: () => void;
  private stopped = false;
  /** The facts of the last check: the kubelet's address and hostname for pod status. */
  facts?: HostFacts;

  constructor(
    private readonly client: Pick<RestClient, 'get' | 'create' | 'patch' | 'patchStatus'>,
    private readonly options: NodeStatusUpdaterOptions,
  ) {}

  /** The registered Node's uid. */
  get uid(): string | undefined {
    return this.node?.metadata?.uid;
  }

  /** The Node as last registered or reported. */
  get current(): Node | undefined {
    return this.node;
  }

  /** Creates the Node, or updates the labels of the one already there, and posts its status. */
  async register(): Promise<Node> {
    const { nodeName, isServer } = this.options;
    const inputs = await this.inputs();
    try {
      this.node = await this.client.create<Node>(NODES, newNode(nodeName, isServer, inputs));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      this.node = await this.client.patch<Node>(NODES, undefined, nodeName, { metadata: { labels: nodeLabels(nodeName, inputs.facts, isServer) } }, 'merge');
    }
    // Re-registering after a restart: the Node has its pod CIDR, which the network is about to use.
    await this.post({ ...inputs, networkNotReady: this.networkNotReady() });
    return this.node!;
  }

  /** Checks every interval until stopped (register first). */
  start(): void {
    const tick = async () => {
      await this.check().catch((err) => this.options.log(`node status: ${err instanceof Error ? err.message : String(err)}`));
      if (!this.stopped) this.cancel = this.options.clock.setTimer(this.options.checkIntervalMs ?? 10_000, () => void tick());
    };
    this.cancel = this.options.clock.setTimer(this.options.checkIntervalMs ?? 10_000, () => void tick());
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  /** Posts the status if it changed or the report interval has passed. */
  async check(): Promise<void> {
    // Compare with the Node as the API has it, as upstream does: the node lifecycle controller
    // marks a silent node's Ready Unknown, and only a post from here sets it back.
    this.node = await this.client.get<Node>(NODES, undefined, this.options.nodeName).catch((err) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const inputs = await this.inputs();
    const next = buildNodeStatus(inputs, this.node?.status);
    const due = this.options.clock.now() - this.lastPostAt >= (this.options.reportIntervalMs ?? 60_000);
    if (due || nodeStatusChanged(this.node?.status, next)) await this.post(inputs);
  }

  private async post(inputs: NodeStatusInputs): Promise<void> {
    const { nodeName } = this.options;
    const status = buildNodeStatus(inputs, this.node?.status);
    try {
      this.node = await this.client.patchStatus<Node>(NODES, undefined, nodeName, { status }, 'merge');
    } catch (err) {
      // Deleted from under us (kubectl delete node): register again, as upstream does.
      if (!isNotFound(err)) throw err;
      this.node = undefined;
      await this.register();
      return;
    }
    this.lastPostAt = this.options.clock.now();
  }

  /**
   * Why the pod network cannot serve pods, if it cannot: only while the Node has no pod CIDR. A
   * restarted kubelet configures the CIDR its Node already has moments after it starts; calling
   * the node NotReady meanwhile would taint it and start evicting its pods.
   */
  private networkNotReady(): string | undefined {
    if (this.node?.spec?.podCIDR) return undefined;
    return this.options.network?.notReadyReason();
  }

  private async inputs(): Promise<NodeStatusInputs> {
    const o = this.options;
    const [facts, runtime, images] = await Promise.all([
      readHostFacts(o.rootDir, { nodeIP: o.nodeIP }),
      o.runtime.version().catch(() => undefined),
      o.images.list().catch(() => []),
    ]);
    this.facts = facts;
    return {
      facts,
      runtime,
      images,
      networkNotReady: this.networkNotReady(),
      kubeletPort: o.kubeletPort,
      systemReserved: o.systemReserved,
      kubeReserved: o.kubeReserved,
      now: o.clock.now(),
    };
  }
}
