/** Shared by the OpenAPI tests: a ResourceInfo for a kind served with every stored verb unless told otherwise. */
import type { ResourceInfo } from '../api/resource.ts';

const STORED_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A namespaced core/v1 resource; `facts` overrides any of that (group, scope, verbs, subresources). */
export function servedResource(kind: string, plural: string, facts: Partial<ResourceInfo> = {}): ResourceInfo {
  const subresources = facts.subresources ?? [];
  return {
    group: '',
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: STORED_VERBS,
    hasStatus: subresources.includes('status'),
    ...facts,
    subresources,
  };
}
