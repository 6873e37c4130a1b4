/**
 * Paths an anonymous request may read. Upstream enables anonymous authentication by default
 * and its `system:public-info-viewer` role lets `system:unauthenticated` GET exactly
 * /healthz, /livez, /readyz, /version and /version/ (not their sub-paths); k3s turns anonymous
 * access off entirely. Skiff keeps upstream's list so load balancers can probe health without
 * credentials; every other anonymous request is answered 401 Unauthorized.
 */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

/** Whether an unauthenticated GET of `pathname` (no query string) is allowed. */
export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PATHS.has(pathname);
}
