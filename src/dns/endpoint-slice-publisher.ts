/**
 * Publishes where this node's DNS server listens: the EndpointSlice `kube-dns-NODE` in
 * kube-system, one ready endpoint (the listen address, this node's name) with ports `dns`/UDP
 * and `dns-tcp`/TCP, owned by the Node so it goes when the Node does. The kube-dns Service has
 * no selector and internalTrafficPolicy Local, so the proxy sends each node's pods to the
 * server on their own node. Level-triggered: any change to the slice, or to what it should
 * say, brings it back to the desired state.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { findResource } from '../api/catalogue.ts';
import { Informer, isAlreadyExists, isNotFound, listWatchFor, runReconciler, WorkQueue, type RestClient } from '../client/index.ts';
import { SERVICE_NAME_LABEL } from './cluster-view.ts';
import type { DnsEndpoint } from './exchange.ts';

/** Where the kube-dns Service and its slices live. */
export const DNS_NAMESPACE = 'kube-system';
/** The cluster DNS Service. */
export const DNS_SERVICE_NAME = 'kube-dns';
/** The label naming a slice's manager. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** The managed-by value of the slices the DNS servers publish (the endpointslice controller leaves them be). */
export const DNS_MANAGER = 'skiff-dns';

const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

/** The slice's name for a node. */
export function dnsEndpointSliceName(nodeName: string): string {
  return `${DNS_SERVICE_NAME}-${nodeName}`;
}

/** The slice a node whose DNS server listens on `listen` should have. */
export function desiredDnsEndpointSlice(node: Node, listen: DnsEndpoint): EndpointSlice {
  const nodeName = node.metadata!.name!;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: dnsEndpointSliceName(nodeName),
      namespace: DNS_NAMESPACE,
      labels: { [SERVICE_NAME_LABEL]: DNS_SERVICE_NAME, [MANAGED_BY_LABEL]: DNS_MANAGER },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: node.metadata!.uid! }],
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [listen.address], nodeName, conditions: { ready: true, serving: true, terminating: false } }],
    ports: [
      { name: 'dns', protocol: 'UDP', port: listen.port },
      { name: 'dns-tcp', protocol: 'TCP', port: listen.port },
    ],
  };
}

/** Whether `current` already says what `desired` does (fields the server adds are ignored). */
export function sliceMatches(current: EndpointSlice, desired: EndpointSlice): boolean {
  const labels = current.metadata?.labels ?? {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const ownerOk = desired.metadata!.ownerReferences!.every((want) => current.metadata?.ownerReferences?.some((o) => o.uid === want.uid && o.kind === want.kind));
  const endpoints = (current.endpoints ?? []).map((e) => ({ addresses: e.addresses, nodeName: e.nodeName, ready: e.conditions?.ready }));
  const wantEndpoints = desired.endpoints.map((e) => ({ addresses: e.addresses, nodeName: e.nodeName, ready: e.conditions?.ready }));
  return (
    Object.entries(desired.metadata!.labels!).every(([k, v]) => labels[k] === v) &&
    ownerOk &&
    current.addressType === desired.addressType &&
    same(endpoints, wantEndpoints) &&
    same((current.ports ?? []).map((p) => [p.name, p.protocol, p.port]), desired.ports!.map((p) => [p.name, p.protocol, p.port]))
  );
}

/** The client the slice is written through, and the node it is for. */
export interface EndpointSlicePublisherOptions {
  client: RestClient;
  nodeName: string;
  log: (line: string) => void;
}

/** Keeps this node's DNS EndpointSlice as it should be (see the module comment). */
export class DnsEndpointSlicePublisher {
  private readonly informer: Informer<EndpointSlice>;
  private readonly queue = new WorkQueue();
  private readonly name: string;
  private node?: Node;
  private listen?: DnsEndpoint;
  private running?: Promise<void>;

  constructor(private readonly o: EndpointSlicePublisherOptions) {
    this.name = dnsEndpointSliceName(o.nodeName);
    this.informer = new Informer<EndpointSlice>(listWatchFor(o.client, SLICES, { namespace: DNS_NAMESPACE, fieldSelector: `metadata.name=${this.name}` }), { log: o.log, name: 'dns endpointslices' });
    const kick = () => this.queue.add(this.name);
    this.informer.addEventHandler({ onAdd: kick, onUpdate: kick, onDelete: kick });
  }

  start(): void {
    this.informer.start();
    // Nothing may exist to deliver an event for: look once the cache is filled.
    void this.informer.waitForSync().then((synced) => synced && this.queue.add(this.name));
    this.running = runReconciler(this.queue, () => this.reconcile(), { log: this.o.log, name: 'dns endpointslice' });
  }

  /** What the slice should say; published once both are known. */
  setTarget(node: Node | undefined, listen: DnsEndpoint | undefined): void {
    if (node) this.node = node;
    if (listen) this.listen = listen;
    this.queue.add(this.name);
  }

  /** Stops keeping the slice and deletes it (a clean stop takes the node's DNS out of rotation). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.running;
    this.informer.stop();
    try {
      await this.o.client.delete(SLICES, DNS_NAMESPACE, this.name);
    } catch (err) {
      if (!isNotFound(err)) this.o.log(`dns: deleting EndpointSlice ${this.name}: ${(err as Error).message}`);
    }
  }

  private async reconcile(): Promise<void> {
    if (!this.node?.metadata?.uid || !this.listen || !this.informer.hasSynced()) return;
    const desired = desiredDnsEndpointSlice(this.node, this.listen);
    const current = this.informer.cache.getByName(DNS_NAMESPACE, this.name);
    if (!current) {
      try {
        await this.o.client.create(SLICES, desired);
      } catch (err) {
        // Already there: the informer has not seen it yet, and its add event brings us back.
        if (!isAlreadyExists(err)) throw err;
      }
      return;
    }
    if (sliceMatches(current, desired)) return;
    const labels = { ...current.metadata?.labels, ...desired.metadata!.labels };
    await this.o.client.update(SLICES, { ...desired, metadata: { ...current.metadata, labels, ownerReferences: desired.metadata!.ownerReferences } });
  }
}
