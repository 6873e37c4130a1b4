/**
 * Node selector terms (spec.affinity.nodeAffinity) compiled once into matchers: terms are
 * ORed, a term's requirements ANDed; matchExpressions read node labels with In, NotIn, Exists,
 * DoesNotExist, Gt and Lt; matchFields read metadata.name. An empty term matches no node, and
 * so does a term holding an invalid requirement, as upstream.
 */
import type { Node, NodeSelectorRequirement, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';

/** A compiled test against a node. */
export type NodeMatcher = (node: Node) => boolean;

const NEVER: NodeMatcher = () => false;
const INTEGER = /^[+-]?\d+$/;

function requirement(r: NodeSelectorRequirement, read: (node: Node) => string | undefined): NodeMatcher | undefined {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return (node) => {
        const v = read(node);
        return v !== undefined && set.has(v);
      };
    }
    case 'NotIn': {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return (node) => {
        const v = read(node);
        return v === undefined || !set.has(v);
      };
    }
    case 'Exists':
      return values.length ? undefined : (node) => read(node) !== undefined;
    case 'DoesNotExist':
      return values.length ? undefined : (node) => read(node) === undefined;
    case 'Gt':
    case 'Lt': {
      if (values.length !== 1 || !INTEGER.test(values[0])) return undefined;
      const bound = Number(values[0]);
      const greater = r.operator === 'Gt';
      return (node) => {
        const v = read(node);
        if (v === undefined || !INTEGER.test(v)) return false;
        return greater ? Number(v) > bound : Number(v) < bound;
      };
    }
    default:
      return undefined;
  }
}

const label = (key: string) => (node: Node) => {
  const labels = node.metadata?.labels;
  return labels && Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;
};
const nodeName = (node: Node) => node.metadata?.name;

/** One term: every requirement must hold; empty or invalid terms match nothing. */
export function compileNodeSelectorTerm(term: NodeSelectorTerm): NodeMatcher {
  const parts: NodeMatcher[] = [];
  for (const r of term.matchExpressions ?? []) {
    const m = requirement(r, label(r.key));
    if (!m) return NEVER;
    parts.push(m);
  }
  for (const r of term.matchFields ?? []) {
    // metadata.name is the only field a node can be selected by, with In or NotIn and one value.
    if (r.key !== 'metadata.name' || (r.operator !== 'In' && r.operator !== 'NotIn') || (r.values ?? []).length !== 1) return NEVER;
    const m = requirement(r, nodeName);
    if (!m) return NEVER;
    parts.push(m);
  }
  if (parts.length === 0) return NEVER;
  return (node) => {
    for (const p of parts) if (!p(node)) return false;
    return true;
  };
}

/** Terms ORed; no terms match nothing. */
export function compileNodeSelectorTerms(terms: NodeSelectorTerm[]): NodeMatcher {
  const compiled = terms.map(compileNodeSelectorTerm);
  return (node) => {
    for (const m of compiled) if (m(node)) return true;
    return false;
  };
}

/** spec.nodeSelector: every label given must be on the node with that value. */
export function compileNodeSelectorMap(selector: Record<string, string>): NodeMatcher {
  const entries = Object.entries(selector);
  return (node) => {
    const labels = node.metadata?.labels ?? {};
    for (const [k, v] of entries) if (labels[k] !== v) return false;
    return true;
  };
}
