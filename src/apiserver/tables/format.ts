/**
 * Cell formatting shared by the printers, matching what upstream's printers print: ages as
 * human durations, label maps and selectors, container names and images, access modes.
 */
import { selectorFromLabelSelector, type LabelSelectorSpec } from '../../api/labels.ts';

/**
 * Upstream's HumanDuration: whole seconds under two minutes, then minutes (with seconds
 * under ten minutes), hours (with minutes under eight hours), days (with hours under eight
 * days), and years. Up to a second into the future still reads as "0s" to tolerate clock skew.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** Time since an RFC 3339 timestamp, or `<unknown>` when there is none. */
export function since(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

/** The Age cell: time since creationTimestamp. */
export function age(obj: any, now: Date): string {
  return since(obj?.metadata?.creationTimestamp, now);
}

/** A label map as `a=b,c=d` sorted by key, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** A metav1.LabelSelector in selector syntax (`app=web,tier in (a,b)`), `<none>` when it selects all or nothing. */
export function formatLabelSelector(sel: LabelSelectorSpec | undefined | null): string {
  try {
    return selectorFromLabelSelector(sel).toString() || '<none>';
  } catch {
    return '<error>';
  }
}

/** Container names and images, each comma-joined, as the wide Containers and Images cells. */
export function containerCells(podSpec: any): [string, string] {
  const containers: any[] = podSpec?.containers ?? [];
  return [containers.map((c) => c?.name ?? '').join(','), containers.map((c) => c?.image ?? '').join(',')];
}

const ACCESS_MODES: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** Volume access modes abbreviated, in upstream's fixed order (`RWO,ROX`). */
export function accessModes(modes: string[] | undefined): string {
  const have = new Set(modes ?? []);
  return ACCESS_MODES.filter(([m]) => have.has(m)).map(([, short]) => short).join(',');
}

/** A resource quantity as stored, "0" when absent. */
export function quantity(q: unknown): string {
  return q === undefined || q === null || q === '' ? '0' : String(q);
}

/** The status of the condition of a type, or undefined. */
export function conditionStatus(conditions: any[] | undefined, type: string): string | undefined {
  return conditions?.find((c) => c?.type === type)?.status;
}
