/**
 * Pod (anti-)affinity terms against pods and nodes: whether a term selects a pod, and counts
 * of matches per topology pair ("zone=a"), the unit every InterPodAffinity check works in.
 * A term's namespaceSelector reads namespace labels through the Handle; without them it matches
 * only when it selects every namespace (`{}`).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { AffinityTerm } from '../../framework/node-info.ts';

/** A namespace's labels (undefined when unknown). */
export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

const UNKNOWN: NamespaceLabels = () => undefined;

/** Whether `term` selects `pod`: its namespace is named (or selected) and its labels match. */
export function termMatches(term: AffinityTerm, pod: Pod, namespaceLabels: NamespaceLabels = UNKNOWN): boolean {
  const ns = pod.metadata?.namespace ?? 'default';
  if (!term.namespaces.has(ns) && !(term.namespaceSelector?.matches(namespaceLabels(ns)) ?? false)) return false;
  return term.selector.matches(pod.metadata?.labels);
}

/** Every term selects `pod` (and there is at least one term). */
export function matchesAllTerms(terms: AffinityTerm[], pod: Pod, namespaceLabels: NamespaceLabels = UNKNOWN): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, namespaceLabels)) return false;
  return true;
}

/** The node's value for `key`, or undefined when it has no such label. */
export function topologyValue(node: Node, key: string): string | undefined {
  const labels = node.metadata?.labels;
  return labels && Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
}

/** Match counts per topology pair (key → value → count); zero counts are dropped so `size` says whether any match exists. */
export class TopologyCounts {
  private readonly counts = new Map<string, Map<string, number>>();
  private pairs = 0;

  constructor(private readonly namespaceLabels: NamespaceLabels = UNKNOWN) {}

  add(node: Node, key: string, delta: number): void {
    const value = topologyValue(node, key);
    if (value === undefined) return;
    let byValue = this.counts.get(key);
    if (!byValue) this.counts.set(key, (byValue = new Map()));
    const before = byValue.get(value) ?? 0;
    const n = before + delta;
    if (n === 0) byValue.delete(value);
    else byValue.set(value, n);
    this.pairs += (n !== 0 ? 1 : 0) - (before !== 0 ? 1 : 0);
  }

  get(key: string, value: string): number {
    return this.counts.get(key)?.get(value) ?? 0;
  }

  /** How many pairs have a non-zero count. */
  get size(): number {
    return this.pairs;
  }

  /** Whether any pair the node is in has a positive count. */
  anyPositiveOn(node: Node): boolean {
    for (const [key, byValue] of this.counts) {
      const value = topologyValue(node, key);
      if (value !== undefined && (byValue.get(value) ?? 0) > 0) return true;
    }
    return false;
  }

  /** For the terms of `terms` that select `pod`, counts the node's pair once each. */
  addMatchingTerms(terms: AffinityTerm[], pod: Pod, node: Node, delta: number): void {
    for (const t of terms) if (termMatches(t, pod, this.namespaceLabels)) this.add(node, t.topologyKey, delta);
  }

  /** When every affinity term selects `pod`, counts the node's pair for each term (affinity needs them all). */
  addIfAllTermsMatch(terms: AffinityTerm[], pod: Pod, node: Node, delta: number): void {
    if (matchesAllTerms(terms, pod, this.namespaceLabels)) for (const t of terms) this.add(node, t.topologyKey, delta);
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts(this.namespaceLabels);
    for (const [k, byValue] of this.counts) c.counts.set(k, new Map(byValue));
    c.pairs = this.pairs;
    return c;
  }
}
