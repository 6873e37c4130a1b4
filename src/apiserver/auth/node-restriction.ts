/**
 * Enforces the node authorizer's table (node-authorizer.ts) on a request: makes the checks that
 * need objects — is the pod bound to the node, does one of its pods refer to this Secret — and
 * turns a refusal into upstream's 403 Forbidden Status. A create whose name lives in the body
 * comes back as a check the create handler runs on the decoded object, before anything is written.
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

/** Checks a decoded object about to be created; throws a Forbidden StatusError to refuse it. */
export type AdmitCreate = (object: { metadata?: { name?: string } }) => void;

/**
 * Authorizes one resource request. Resolves (possibly to a create check) when it may go on;
 * rejects with a 403 StatusError when it may not. Users that are not nodes always go on.
 */
export type RequestAuthorizer = (user: UserInfo, request: NodeRequest) => Promise<AdmitCreate | undefined>;

/** The node authorizer over `lookups`. */
export function createNodeAuthorizer(lookups: NodePodLookups): RequestAuthorizer {
  return async (user, r) => {
    const node = nodeNameOf(user);
    if (node === undefined) return undefined;
    const decision = decideNodeRequest(node, r);
    const refuse = (reason?: string, name = r.name) => forbiddenError(user, r, name, reason);
    switch (decision.kind) {
      case 'allow':
        return undefined;
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
      case 'createNamed':
        return (object) => {
          const name = object.metadata?.name ?? '';
          if (name !== decision.name) throw refuse(decision.reason(name), name);
        };
    }
  };
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
