/**
 * The node authorizer's decision table (upstream's Node authorizer and NodeRestriction admission,
 * folded into one rule set): what a kubelet — a user `system:node:<name>` in group
 * `system:nodes` — may do. It reads what a node needs (nodes, pods, Services, endpoints,
 * EndpointSlices and namespaces), writes only its own Node, its own Lease, the pods bound to it, events and its
 * own cluster-DNS EndpointSlice `kube-system/kube-dns-<node>`, and gets a Secret, ConfigMap or
 * PersistentVolumeClaim only when a pod bound to it refers to it — never a node-password Secret.
 * Everything else is refused.
 *
 * Pure: some answers depend on objects (is the pod bound here? which name does a created object
 * carry?), so the table answers with the check still to make and node-restriction.ts makes it.
 * Users outside `system:nodes` are not this table's business (Skiff does not enforce RBAC).
 */
import type { UserInfo } from './authenticate.ts';
import { isNodePasswordSecret } from './node-password.ts';

export const NODES_GROUP = 'system:nodes';
const NODE_USER_PREFIX = 'system:node:';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const DNS_SLICE_NAMESPACE = 'kube-system';

/** The request attributes the decision needs, as the RequestInfo parser names them. */
export interface NodeRequest {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  /** Empty for list, watch and create (a created object's name is in its body). */
  name: string;
}

/**
 * The table's answer:
 * - `allow` / `deny` (with upstream's reason, appended to the Forbidden message);
 * - `podBound`: allowed if the named pod is bound to this node;
 * - `referenced`: allowed if a pod bound to this node refers to the named object (for
 *   serviceaccounts/token: runs as that service account);
 * - `createNamed`: a create, allowed if the object's name is `name`; else denied with
 *   `reason(actual name)`.
 */
export type NodeDecision =
  | { kind: 'allow' }
  | { kind: 'deny'; reason?: string }
  | { kind: 'podBound' }
  | { kind: 'referenced' }
  | { kind: 'createNamed'; name: string; reason: (actual: string) => string };

/** The node a user is, when it is a kubelet's identity (`system:node:<name>` in `system:nodes`). */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.username.startsWith(NODE_USER_PREFIX)) return undefined;
  const name = user.username.slice(NODE_USER_PREFIX.length);
  return name || undefined;
}

/** The cluster-DNS EndpointSlice a node publishes (the DNS server's contract). */
export function dnsSliceName(nodeName: string): string {
  return `kube-dns-${nodeName}`;
}

const READ = new Set(['get', 'list', 'watch']);
const EVENT_WRITES = new Set(['create', 'update', 'patch']);
const OWN_WRITES = new Set(['update', 'patch', 'delete']);

/** Resources (group/resource) every node may read in full. */
const READABLE = new Set([
  '/nodes',
  '/pods',
  '/services',
  '/endpoints',
  // The node's cluster DNS answers only for namespaces that exist.
  '/namespaces',
  // The cluster DNS server (run by the agent as the node) tells a missing namespace from an empty one.
  '/namespaces',
  'discovery.k8s.io/endpointslices',
  '/persistentvolumes',
  'node.k8s.io/runtimeclasses',
  'storage.k8s.io/csidrivers',
]);

/** Objects a node may get one by one, and only when a pod bound to it refers to them. */
const REFERENCED = new Set(['/secrets', '/configmaps', '/persistentvolumeclaims']);

/** Reviews about the caller itself, which every user may ask. */
const SELF_REVIEWS = new Set([
  'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
]);

/** Decides a request of node `node`. */
export function decideNodeRequest(node: string, r: NodeRequest): NodeDecision {
  const resource = `${r.group}/${r.resource}`;
  const sub = r.subresource;
  if (SELF_REVIEWS.has(resource) && r.verb === 'create') return allow;

  if (resource === '/nodes') return decideNode(node, r);
  if (resource === '/pods') return decidePod(r);
  if (resource === 'coordination.k8s.io/leases') return decideLease(node, r);
  if (resource === 'discovery.k8s.io/endpointslices' && !READ.has(r.verb)) return decideDnsSlice(node, r);
  if (resource === '/events' || resource === 'events.k8s.io/events') return EVENT_WRITES.has(r.verb) && !sub ? allow : deny();
  if (resource === '/serviceaccounts' && sub === 'token') return r.verb === 'create' ? { kind: 'referenced' } : deny();
  if (sub) return deny();
  // A node reading the recorded passwords could attack them offline, whatever pod refers to one.
  if (resource === '/secrets' && isNodePasswordSecret(r.namespace, r.name)) return deny('node password Secrets are not readable by nodes');
  if (REFERENCED.has(resource)) {
    if (r.verb === 'get') return { kind: 'referenced' };
    return READ.has(r.verb) ? deny('can only get individual resources of this type') : deny();
  }
  return READABLE.has(resource) && READ.has(r.verb) ? allow : deny();
}

const allow: NodeDecision = { kind: 'allow' };

function deny(reason?: string): NodeDecision {
  return reason ? { kind: 'deny', reason } : { kind: 'deny' };
}

function decideNode(node: string, r: NodeRequest): NodeDecision {
  if (r.subresource && r.subresource !== 'status') return deny();
  if (READ.has(r.verb)) return allow;
  if (r.verb === 'create' && !r.subresource) return { kind: 'createNamed', name: node, reason: (other) => notOwnNode(node, other) };
  if (OWN_WRITES.has(r.verb) && !(r.verb === 'delete' && r.subresource)) {
    return r.name === node ? allow : deny(notOwnNode(node, r.name));
  }
  return deny();
}

function notOwnNode(node: string, other: string): string {
  return `node "${node}" is not allowed to modify node "${other}"`;
}

function decidePod(r: NodeRequest): NodeDecision {
  if (!r.subresource) {
    if (READ.has(r.verb)) return allow;
    // Mirror pods (static pods) are not supported, so a node never creates or updates a pod.
    return r.verb === 'delete' ? { kind: 'podBound' } : deny();
  }
  if (r.subresource === 'status' && (r.verb === 'update' || r.verb === 'patch')) return { kind: 'podBound' };
  if (r.subresource === 'status' && r.verb === 'get') return allow;
  return deny();
}

function decideLease(node: string, r: NodeRequest): NodeDecision {
  const reason = 'can only access node lease with the same name as the requesting node';
  if (r.namespace !== NODE_LEASE_NAMESPACE || r.subresource) return deny();
  if (r.verb === 'create') return { kind: 'createNamed', name: node, reason: () => reason };
  if (r.verb === 'get' || OWN_WRITES.has(r.verb)) return r.name === node ? allow : deny(reason);
  return deny();
}

function decideDnsSlice(node: string, r: NodeRequest): NodeDecision {
  const own = dnsSliceName(node);
  const reason = `can only modify the EndpointSlice ${DNS_SLICE_NAMESPACE}/${own} of the requesting node`;
  if (r.namespace !== DNS_SLICE_NAMESPACE || r.subresource) return deny(reason);
  if (r.verb === 'create') return { kind: 'createNamed', name: own, reason: () => reason };
  if (OWN_WRITES.has(r.verb)) return r.name === own ? allow : deny(reason);
  return deny();
}

/**
 * The Forbidden message, worded as upstream's: `User "system:node:a" cannot patch resource
 * "nodes/status" in API group "" at the cluster scope` (or `in the namespace "ns"`), then the
 * reason. The caller prefixes `<resource> "<name>" is forbidden: `.
 */
export function forbiddenMessage(user: UserInfo, r: NodeRequest, reason?: string): string {
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  const scope = r.namespace ? `in the namespace "${r.namespace}"` : 'at the cluster scope';
  const base = `User "${user.username}" cannot ${r.verb} resource "${resource}" in API group "${r.group}" ${scope}`;
  return reason ? `${base}: ${reason}` : base;
}
