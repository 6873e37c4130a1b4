/**
 * metav1.Time on the wire: RFC 3339 in UTC with second precision ("2026-11-26T09:40:00Z"),
 * the form every timestamp field of the API (creationTimestamp, lastTransitionTime, ...) has.
 */
export function formatTime(t: Date | number): string {
  return (typeof t === 'number' ? new Date(t) : t).toISOString().replace(/\.\d+Z$/, 'Z');
}
