/**
 * NodeInfo: one node as the scheduler sees it — the Node object, the pods assigned to it
 * (bound or assumed), and the sums the plugins need so that no Filter walks every pod.
 * The scheduler cache keeps one per node and hands cycles cheap snapshots.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';

/** Resource amounts in the scheduler's units: milli-CPU, bytes, counts. */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended resources (e.g. example.com/gpu) and hugepages, by name. */
  scalar: Record<string, number>;
}

/** A pod with what the scheduler precomputes about it once. */
export interface PodInfo {
  pod: Pod;
  /** Effective requests: max(sum of app containers, each init container) + overhead. */
  requests: Resource;
  /** Requests with upstream's non-zero defaults (100m CPU, 200 MiB) for containers that set none; used by scoring. */
  nonZeroRequests: Resource;
  /** spec.affinity.podAffinity/podAntiAffinity terms, parsed once (namespaces resolved). */
  requiredAffinityTerms: AffinityTerm[];
  requiredAntiAffinityTerms: AffinityTerm[];
  preferredAffinityTerms: WeightedAffinityTerm[];
  preferredAntiAffinityTerms: WeightedAffinityTerm[];
}

export interface AffinityTerm {
  /** Namespaces the term selects pods in (the pod's own when the term names none and has no namespaceSelector). */
  namespaces: Set<string>;
  /** Labels-to-match; the matcher is the shared LabelSelector from src/api/labels.ts. */
  selector: { matches(labels: Record<string, string> | undefined): boolean };
  /** When set, namespaces whose labels match count too. */
  namespaceSelector?: { matches(labels: Record<string, string> | undefined): boolean };
  topologyKey: string;
}
export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/** hostPort in use on a node: "ip/protocol/port" (ip 0.0.0.0 for any). */
export type HostPortKey = string;

export interface ImageStateSummary {
  size: number;
  /** How many nodes have this image (for ImageLocality's spread factor). */
  numNodes: number;
}

export interface NodeInfo {
  readonly node: Node;
  readonly pods: PodInfo[];
  readonly podsWithAffinity: PodInfo[];
  readonly podsWithRequiredAntiAffinity: PodInfo[];
  /** Sum of pods' requests. */
  readonly requested: Resource;
  /** Sum with the non-zero defaults, for scoring. */
  readonly nonZeroRequested: Resource;
  /** From node.status.allocatable; allowedPodNumber is the "pods" entry. */
  readonly allocatable: Resource & { allowedPodNumber: number };
  readonly usedPorts: Set<HostPortKey>;
  /** Image name (each of node.status.images[].names) → state. */
  readonly imageStates: Map<string, ImageStateSummary>;
  /** Bumped on every change, so snapshots copy only what changed. */
  readonly generation: number;
}
