/**
 * Parses a request path into what it asks for, the way upstream's RequestInfoFactory does:
 * `/api/v1/namespaces/ns/pods/name/status` → group '', version v1, namespace ns, resource pods,
 * name, subresource status. Non-resource paths (`/healthz`, `/version`, `/openapi/v3`) come
 * back with `isResourceRequest: false`.
 */

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection (resource requests). */
  verb: string;
  apiPrefix: string;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments after the resource (or the subresource), for proxies. */
  parts: string[];
}

const SPECIAL_VERBS = new Set(['watch', 'proxy']);

/** `method` is the HTTP method; `query` the parsed query string. */
export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    group: '',
    version: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  let segs = path.split('/').filter((s) => s !== '').map(decodeSegment);
  if (segs.length === 0) return info;
  const prefix = segs[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  segs = segs.slice(1);
  if (prefix === 'apis') {
    if (segs.length < 2) return info; // /apis, /apis/<group>: discovery
    info.group = segs[0];
    segs = segs.slice(1);
  }
  if (segs.length < 2) {
    if (segs.length === 1) info.version = segs[0];
    return info; // /api, /api/v1, /apis/g/v: discovery
  }
  info.version = segs[0];
  segs = segs.slice(1);
  info.isResourceRequest = true;

  let legacyWatch = false;
  if (SPECIAL_VERBS.has(segs[0])) {
    if (segs.length < 2) {
      info.isResourceRequest = false;
      return info;
    }
    if (segs[0] === 'watch') legacyWatch = true;
    else info.verb = segs[0];
    segs = segs.slice(1);
  }
  if (segs[0] === 'namespaces') {
    if (segs.length > 1) {
      info.namespace = segs[1];
      // /namespaces/{name} and /namespaces/{name}/{subresource} address the Namespace itself.
      if (segs.length > 2 && !(segs.length === 3 && segs[2] === 'finalize') && !(segs.length === 3 && segs[2] === 'status')) {
        segs = segs.slice(2);
      }
    }
  }
  info.parts = segs;
  if (segs.length >= 1) info.resource = segs[0];
  if (segs.length >= 2) info.name = segs[1];
  if (segs.length >= 3) info.subresource = segs[2];
  if (info.resource === 'namespaces') info.namespace = '';
  info.parts = segs.slice(3);

  const method_ = method.toUpperCase();
  if (info.verb === 'proxy') return info;
  switch (method_) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name ? 'get' : 'list';
      if (legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1') {
        if (!info.name || !info.subresource) info.verb = 'watch';
      }
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
    default:
      info.verb = method.toLowerCase();
  }
  return info;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
