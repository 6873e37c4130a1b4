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

/** metav1.MicroTime on the wire: RFC 3339 in UTC with microseconds, as Lease times are written. */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go-style duration ("1m30s", "250ms", "2h", as kube-apiserver's duration flags take them) or a plain number of seconds, in ms; undefined when not one. */
export function parseDurationMs(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, value, , unit] of text.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) total += Number(value) * UNIT_MS[unit];
  return total;
}
