/**
 * The scheduler cache: every node and every pod assigned to one, as the informers report
 * them, plus the pods this scheduler has assumed onto a node before the API confirms the
 * binding, so the next cycle already counts them. An assumed pod is confirmed when the
 * informer delivers it bound, forgotten when its binding fails, and (with a TTL) expires if
 * the confirmation never comes.
 *
 * Nodes sit in a list ordered by the generation of their last change, newest first, so
 * refreshing a snapshot walks only the nodes changed since the previous one.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../client/clock.ts';
import { MutableNodeInfo, NO_IMAGES, type ImageStateSummary, type PodInfo } from './framework/node-info.ts';
import type { Snapshot } from './snapshot.ts';

interface NodeItem {
  info: MutableNodeInfo;
  name: string;
  prev?: NodeItem;
  next?: NodeItem;
}

interface PodState {
  pod: Pod;
  /** Set once the binding call has returned, when a TTL applies. */
  deadline?: number;
  bindingFinished: boolean;
}

export interface SchedulerCacheOptions {
  clock: Clock;
  /**
   * How long an assumed pod whose binding finished may wait for the informer to confirm it
   * before it is dropped. 0 (the default, as upstream today) keeps it until confirmed or forgotten.
   */
  assumedPodTtlMs?: number;
}

/** A cache operation that contradicts what the cache knows (a bug or a missed event). */
export class SchedulerCacheError extends Error {
  override name = 'SchedulerCacheError';
}

function podKeyOf(pod: Pod): string {
  const m = pod.metadata ?? {};
  return m.uid || `${m.namespace}/${m.name}`;
}

function nodeNameOf(pod: Pod): string {
  return pod.spec?.nodeName ?? '';
}

/** Succeeded and Failed pods hold no resources any more. */
export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export class SchedulerCache {
  private readonly clock: Clock;
  private readonly ttl: number;
  private readonly nodes = new Map<string, NodeItem>();
  private head?: NodeItem;
  private readonly pods = new Map<string, PodState>();
  private readonly assumed = new Set<string>();
  private readonly images = new Map<string, { summary: ImageStateSummary; nodes: Set<string> }>();
  /** Bumped when nodes come or go, so snapshots know to rebuild their list. */
  private nodeSetVersion = 0;

  constructor(options: SchedulerCacheOptions) {
    this.clock = options.clock;
    this.ttl = options.assumedPodTtlMs ?? 0;
  }

  addNode(node: Node): void {
    const item = this.itemFor(node.metadata!.name!);
    if (!item.info.hasNode) this.nodeSetVersion++;
    else this.removeImages(item.info.node);
    item.info.setNode(node);
    item.info.imageStates = this.addImages(node);
    this.moveToHead(item);
  }

  updateNode(_old: Node, node: Node): void {
    this.addNode(node);
  }

  /** The node leaves the snapshot; its NodeInfo stays while pods the informer has not deleted yet remain. */
  removeNode(node: Node): void {
    const item = this.nodes.get(node.metadata!.name!);
    if (!item?.info.hasNode) return;
    this.removeImages(item.info.node);
    item.info.removeNode();
    this.nodeSetVersion++;
    this.changed(item);
  }

  /** The informer saw an assigned pod: confirms an assumed pod, or adds one this scheduler did not place. */
  addPod(pod: Pod): void {
    const key = podKeyOf(pod);
    const state = this.pods.get(key);
    if (state && this.assumed.has(key)) {
      this.assumed.delete(key);
      if (nodeNameOf(state.pod) !== nodeNameOf(pod) || isTerminal(pod)) {
        this.removeFromNode(state.pod);
        if (!isTerminal(pod)) this.addToNode(pod);
      }
      // Same node: the assumed copy already counts the right requests, so the NodeInfo is
      // left alone and no snapshot has to copy it again.
      state.pod = pod;
      state.deadline = undefined;
      if (isTerminal(pod)) this.pods.delete(key);
      return;
    }
    if (state) return this.updatePod(state.pod, pod);
    if (isTerminal(pod)) return;
    this.addToNode(pod);
    this.pods.set(key, { pod, bindingFinished: true });
  }

  updatePod(_old: Pod, pod: Pod): void {
    const key = podKeyOf(pod);
    const state = this.pods.get(key);
    if (!state || this.assumed.has(key)) return this.addPod(pod);
    this.removeFromNode(state.pod);
    if (isTerminal(pod)) {
      this.pods.delete(key);
      return;
    }
    this.addToNode(pod);
    state.pod = pod;
  }

  removePod(pod: Pod): void {
    const key = podKeyOf(pod);
    const state = this.pods.get(key);
    if (!state) return;
    this.removeFromNode(state.pod);
    this.pods.delete(key);
    this.assumed.delete(key);
  }

  /**
   * Counts `pod` (spec.nodeName set) on its node ahead of the binding. Given as a PodInfo,
   * its precomputed requests are reused.
   */
  assumePod(assumed: Pod | PodInfo): void {
    const pod = 'requests' in assumed ? assumed.pod : assumed;
    const key = podKeyOf(pod);
    if (this.pods.has(key)) throw new SchedulerCacheError(`pod ${pod.metadata?.namespace}/${pod.metadata?.name} is already in the cache, so cannot be assumed`);
    this.addToNode(pod, assumed);
    this.pods.set(key, { pod, bindingFinished: false });
    this.assumed.add(key);
  }

  /** The binding call returned; from now the TTL (if any) runs. */
  finishBinding(pod: Pod): void {
    const key = podKeyOf(pod);
    const state = this.pods.get(key);
    if (!state || !this.assumed.has(key)) return;
    state.bindingFinished = true;
    if (this.ttl > 0) state.deadline = this.clock.now() + this.ttl;
  }

  /** The binding failed: the assumption is undone. */
  forgetPod(pod: Pod): void {
    const key = podKeyOf(pod);
    if (!this.assumed.has(key)) return;
    this.removeFromNode(this.pods.get(key)!.pod);
    this.pods.delete(key);
    this.assumed.delete(key);
  }

  isAssumedPod(pod: Pod): boolean {
    return this.assumed.has(podKeyOf(pod));
  }

  /** Drops assumed pods whose binding finished more than the TTL ago without confirmation. */
  cleanupAssumedPods(): void {
    const now = this.clock.now();
    for (const key of this.assumed) {
      const state = this.pods.get(key)!;
      if (state.bindingFinished && state.deadline !== undefined && now > state.deadline) {
        this.removeFromNode(state.pod);
        this.pods.delete(key);
        this.assumed.delete(key);
      }
    }
  }

  /** Nodes with a Node object. */
  nodeCount(): number {
    let n = 0;
    for (const item of this.nodes.values()) if (item.info.hasNode) n++;
    return n;
  }

  podCount(): number {
    return this.pods.size;
  }

  /** Brings `snapshot` up to date, copying only the nodes changed since its last refresh. */
  updateSnapshot(snapshot: Snapshot): void {
    let affinityChanged = false;
    for (let item = this.head; item && item.info.generation > snapshot.generation; item = item.next) {
      if (!item.info.hasNode) continue;
      const existing = snapshot.nodeInfoMap.get(item.name);
      if (existing) {
        affinityChanged ||=
          existing.podsWithAffinity.length > 0 !== item.info.podsWithAffinity.length > 0 ||
          existing.podsWithRequiredAntiAffinity.length > 0 !== item.info.podsWithRequiredAntiAffinity.length > 0;
        item.info.clone(existing);
      } else {
        snapshot.nodeInfoMap.set(item.name, item.info.clone());
      }
    }
    if (this.head) snapshot.generation = Math.max(snapshot.generation, this.head.info.generation);
    if (snapshot.nodeSetVersion !== this.nodeSetVersion) {
      const list: MutableNodeInfo[] = [];
      for (const [name, item] of this.nodes) {
        if (!item.info.hasNode) continue;
        let copy = snapshot.nodeInfoMap.get(name);
        if (!copy) snapshot.nodeInfoMap.set(name, (copy = item.info.clone()));
        list.push(copy);
      }
      for (const name of snapshot.nodeInfoMap.keys()) if (!this.nodes.get(name)?.info.hasNode) snapshot.nodeInfoMap.delete(name);
      snapshot.nodeInfoList = list;
      snapshot.nodeSetVersion = this.nodeSetVersion;
      affinityChanged = true;
    }
    if (affinityChanged) snapshot.refreshAffinityLists();
  }

  private itemFor(name: string): NodeItem {
    let item = this.nodes.get(name);
    if (!item) this.nodes.set(name, (item = { info: new MutableNodeInfo(), name }));
    return item;
  }

  private addToNode(pod: Pod, info: Pod | PodInfo = pod): void {
    const item = this.itemFor(nodeNameOf(pod));
    item.info.addPod(info);
    this.moveToHead(item);
  }

  private removeFromNode(pod: Pod): void {
    const item = this.nodes.get(nodeNameOf(pod));
    if (!item) return;
    item.info.removePod(pod);
    this.changed(item);
  }

  /** Keeps the item at the head of the list, or drops it once it has neither node nor pods. */
  private changed(item: NodeItem): void {
    if (!item.info.hasNode && item.info.pods.length === 0) {
      this.unlink(item);
      this.nodes.delete(item.name);
      return;
    }
    this.moveToHead(item);
  }

  private moveToHead(item: NodeItem): void {
    if (this.head === item) return;
    this.unlink(item);
    item.next = this.head;
    if (this.head) this.head.prev = item;
    this.head = item;
  }

  private unlink(item: NodeItem): void {
    if (item.prev) item.prev.next = item.next;
    if (item.next) item.next.prev = item.prev;
    if (this.head === item) this.head = item.next;
    item.prev = item.next = undefined;
  }

  private addImages(node: Node): ReadonlyMap<string, ImageStateSummary> {
    if (!node.status?.images?.length) return NO_IMAGES;
    const states = new Map<string, ImageStateSummary>();
    const name = node.metadata!.name!;
    for (const image of node.status?.images ?? []) {
      for (const imageName of image.names ?? []) {
        let entry = this.images.get(imageName);
        if (!entry) this.images.set(imageName, (entry = { summary: { size: image.sizeBytes ?? 0, numNodes: 0 }, nodes: new Set() }));
        entry.nodes.add(name);
        entry.summary.size = image.sizeBytes ?? entry.summary.size;
        entry.summary.numNodes = entry.nodes.size;
        states.set(imageName, entry.summary);
      }
    }
    return states;
  }

  private removeImages(node: Node): void {
    const name = node.metadata?.name ?? '';
    for (const image of node.status?.images ?? []) {
      for (const imageName of image.names ?? []) {
        const entry = this.images.get(imageName);
        if (!entry) continue;
        entry.nodes.delete(name);
        entry.summary.numNodes = entry.nodes.size;
        if (entry.nodes.size === 0) this.images.delete(imageName);
      }
    }
  }
}
