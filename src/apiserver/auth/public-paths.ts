/**
 * Paths an anonymous request may read: the health checks, so load balancers and probes need
 * no credentials. Upstream also lets anonymous users read /version; Skiff, like k3s, answers
 * every other anonymous request 401 Unauthorized, /version included.
 */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz']);

/** Whether an unauthenticated GET of `pathname` (no query string) is allowed. */
export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PATHS.has(pathname);
}
