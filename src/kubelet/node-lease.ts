/**
 * The node's heartbeat Lease (kube-node-lease/<node>): renewed every 10 s so the node
 * lifecycle controller knows the kubelet is alive without a full status write. The Lease is
 * owned by the Node, so it goes when the Node is deleted.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { findResource } from '../api/catalogue.ts';
import { formatMicroTime } from '../api/time.ts';
import { isConflict, isNotFound, type Clock, type RestClient } from '../client/index.ts';

const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLeaseOptions {
  nodeName: string;
  /** The Node's uid, for the owner reference (undefined until registered). */
  nodeUid(): string | undefined;
  clock: Clock;
  /** Default 10 s. */
  renewIntervalMs?: number;
  /** Default 40 s (upstream's node-monitor grace period). */
  leaseDurationSeconds?: number;
  log: (line: string) => void;
}

export class NodeLease {
  private cancel?: () => void;
  private current?: Lease;
  private stopped = false;

  constructor(
    private readonly client: Pick<RestClient, 'get' | 'create' | 'update'>,
    private readonly options: NodeLeaseOptions,
  ) {}

  /** Renews now and then every interval until stopped. */
  start(): void {
    const tick = async () => {
      await this.renew().catch((err) => this.options.log(`node lease: ${err instanceof Error ? err.message : String(err)}`));
      if (!this.stopped) this.cancel = this.options.clock.setTimer(this.options.renewIntervalMs ?? 10_000, () => void tick());
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  /** One renewal: update the Lease we know (a stale one is re-read), or create it. */
  async renew(): Promise<Lease> {
    const { nodeName } = this.options;
    for (let attempt = 0; ; attempt++) {
      if (!this.current) {
        try {
          this.current = await this.client.get<Lease>(LEASES, NODE_LEASE_NAMESPACE, nodeName);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          this.current = await this.client.create<Lease>(LEASES, this.desired(undefined));
          return this.current;
        }
      }
      try {
        this.current = await this.client.update<Lease>(LEASES, this.desired(this.current));
        return this.current;
      } catch (err) {
        this.current = undefined;
        if (!(isConflict(err) || isNotFound(err)) || attempt >= 3) throw err;
      }
    }
  }

  private desired(existing: Lease | undefined): Lease {
    const { nodeName } = this.options;
    const uid = this.options.nodeUid();
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...existing?.metadata,
        name: nodeName,
        namespace: NODE_LEASE_NAMESPACE,
        ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid }] } : {}),
      },
      spec: {
        ...existing?.spec,
        holderIdentity: nodeName,
        leaseDurationSeconds: this.options.leaseDurationSeconds ?? 40,
        renewTime: formatMicroTime(this.options.clock.now()),
      },
    };
  }
}
