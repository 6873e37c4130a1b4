/**
 * Enforces the node authorizer's table (node-authorizer.ts) on a request: makes the checks that
 * need objects — is the pod bound to the node, does one of its pods refer to this Secret — and
 * turns a refusal into upstream's 403 Forbidden Status. A create whose name lives in the body
 * comes back as a check the create handler runs on the decoded object, before anything is written.
 *
 * A node's writes to its own Node come back as checks too (upstream's NodeRestriction admission):
 * taints are the administrator's and the node lifecycle controller's, so a node may set them when
 * it registers but not change them after; and labels under node-restriction.kubernetes.io/ are
 * for administrators to steer workloads by, so a node may never set or change them.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { forbidden, type StatusError } from '../errors.ts';
import type { UserInfo } from './authenticate.ts';
import { decideNodeRequest, forbiddenMessage, nodeNameOf, type NodeRequest } from './node-authorizer.ts';
import { podRefersTo, type ReferencedResource } from './node-references.ts';

/** How the checks read pods (from the store: the answer must not lag behind a binding). */
export interface NodePodLookups {
  /** The pod, or undefined when there is none. */
  pod(namespace: string, name: string): Promise<Pod | undefined>;
  /** The pods of `namespace` bound to `nodeName`. */
  podsOnNode(namespace: string, nodeName: string): Promise<Pod[]>;
}

/** The object fields the checks read. */
interface AdmittedObject {
  metadata?: { name?: string; labels?: Record<string, string> | null };
  spec?: { taints?: unknown } | null;
}

/**
 * Checks of the objects a request writes, made where the handlers have them; each throws a
 * Forbidden StatusError to refuse, before anything is written.
 */
export interface Admission {
  /** A decoded object about to be created. */
  create?(object: AdmittedObject): void;
  /** An object about to replace `current` (update, patch or apply). */
  update?(next: AdmittedObject, current: AdmittedObject): void;
}

/**
 * Authorizes one resource request. Resolves (possibly to admission checks) when it may go on;
 * rejects with a 403 StatusError when it may not. Users that are not nodes always go on.
 */
export type RequestAuthorizer = (user: UserInfo, request: NodeRequest) => Promise<Admission | undefined>;

/** Label keys under this domain are set by administrators only. */
const RESTRICTED_LABEL_DOMAIN = 'node-restriction.kubernetes.io/';

/** The node authorizer over `lookups`. */
export function createNodeAuthorizer(lookups: NodePodLookups): RequestAuthorizer {
  return async (user, r) => {
    const node = nodeNameOf(user);
    if (node === undefined) return undefined;
    const decision = decideNodeRequest(node, r);
    const refuse = (reason?: string, name = r.name) => forbiddenError(user, r, name, reason);
    switch (decision.kind) {
      case 'allow':
        return r.resource === 'nodes' && !r.group && !r.subresource && (r.verb === 'update' || r.verb === 'patch') ? ownNodeAdmission(node) : undefined;
      case 'deny':
        throw refuse(decision.reason);
      case 'podBound': {
        const pod = await lookups.pod(r.namespace, r.name);
        // A pod that is gone answers 404 from the handler, as for anyone: nothing to hide.
        if (pod && pod.spec?.nodeName !== node) throw refuse(noRelationship(node));
        return undefined;
      }
      case 'referenced': {
        const pods = await lookups.podsOnNode(r.namespace, node);
        if (!pods.some((p) => podRefersTo(p, r.resource as ReferencedResource, r.name))) throw refuse(noRelationship(node));
        return undefined;
      }
      case 'createNamed': {
        const nodeChecks = r.resource === 'nodes' && !r.group ? ownNodeAdmission(node) : undefined;
        return {
          create(object) {
            const name = object.metadata?.name ?? '';
            if (name !== decision.name) throw refuse(decision.reason(name), name);
            nodeChecks?.create?.(object);
          },
        };
      }
    }
  };
}

/**
 * What node `node` may write in its own Node (upstream's NodeRestriction admission). Refusals read
 * as upstream's admission errors do: `nodes "a" is forbidden: node "a" is not allowed to …`.
 */
function ownNodeAdmission(node: string): Admission {
  const refuse = (reason: string) => forbidden(`nodes "${node}" is forbidden: ${reason}`, { group: '', resource: 'nodes', name: node });
  return {
    create(object) {
      const restricted = Object.keys(object.metadata?.labels ?? {}).filter(isRestrictedLabel).sort();
      if (restricted.length) throw refuse(`node "${node}" is not allowed to set the following labels: ${restricted.join(', ')}`);
    },
    update(next, current) {
      if (JSON.stringify(next.spec?.taints ?? []) !== JSON.stringify(current.spec?.taints ?? [])) {
        throw refuse(`node "${node}" is not allowed to modify taints`);
      }
      const before = current.metadata?.labels ?? {};
      const after = next.metadata?.labels ?? {};
      const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => isRestrictedLabel(key) && before[key] !== after[key]).sort();
      if (changed.length) throw refuse(`node "${node}" is not allowed to modify labels: ${changed.join(', ')}`);
    },
  };
}

function isRestrictedLabel(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const domain = key.slice(0, slash + 1);
  return domain === RESTRICTED_LABEL_DOMAIN || domain.endsWith(`.${RESTRICTED_LABEL_DOMAIN}`);
}

function noRelationship(node: string): string {
  return `no relationship found between node '${node}' and this object`;
}

/** `nodes "b" is forbidden: User "system:node:a" cannot patch resource "nodes" …`, as upstream. */
function forbiddenError(user: UserInfo, r: NodeRequest, name: string, reason?: string): StatusError {
  const qualified = r.group ? `${r.resource}.${r.group}` : r.resource;
  const subject = name ? `${qualified} "${name}"` : qualified;
  return forbidden(`${subject} is forbidden: ${forbiddenMessage(user, r, reason)}`, { group: r.group, resource: r.resource, name: name || undefined });
}
