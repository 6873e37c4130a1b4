/**
 * metav1.Time on the wire: RFC 3339 in UTC with second precision ("2026-11-26T09:40:00Z"),
 * the form every timestamp field of the API (creationTimestamp, lastTransitionTime, ...) has.
 */
export function formatTime(t: Date | number): string {
  const ms = typeof t === 'number' ? t : t.getTime();
  // Every write stamps the current second (creationTimestamp, managedFields' time, conditions'
  // transitions), thousands of times a second under load: the second's text is made once.
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond || Number.isNaN(second)) {
    lastText = new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
    lastSecond = second;
  }
  return lastText;
}

let lastSecond = NaN;
let lastText = '';
