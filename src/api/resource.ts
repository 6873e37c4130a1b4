/**
 * What the API server knows of one resource type: the facts discovery publishes (group,
 * version, kind, plural, short names, scope, verbs, categories, subresources). The list of
 * all of them is the catalogue (`catalogue.ts`).
 */
export interface ResourceInfo {
  /** API group, '' for the core group. */
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Lower-case plural used in URLs, e.g. "pods". */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** e.g. ["all"] for the kinds `kubectl get all` shows. */
  categories: string[];
  /** Verbs on the collection and the item, as discovery lists them. */
  verbs: string[];
  /** Subresource names this resource serves: status, scale, binding, eviction, log, exec, attach, portforward, proxy. */
  subresources: string[];
  /** Whether `spec` changes bump metadata.generation (kinds with a spec/status split). */
  hasStatus: boolean;
}

/** "apps/v1" or "v1". */
export function apiVersionOf(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}
