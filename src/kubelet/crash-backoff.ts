/**
 * Crash-loop back-off (upstream's flowcontrol.Backoff as the kubelet uses it): after a
 * container's first restart each further restart waits 10 s, doubling up to 5 minutes; the
 * delay starts over once the container has gone 10 minutes (twice the cap) without needing a
 * restart. Keys are "podUid/containerName". Time comes from an injected clock.
 */
import type { Clock } from '../client/index.ts';

export interface CrashBackoffOptions {
  /** Default 10 s. */
  initialMs?: number;
  /** Default 5 minutes. */
  maxMs?: number;
  /** Default: twice maxMs (10 minutes). */
  resetAfterMs?: number;
}

interface Entry {
  delayMs: number;
  /** When the delay was last raised. */
  updatedAt: number;
}

export class CrashBackoff {
  private readonly entries = new Map<string, Entry>();
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly resetAfterMs: number;

  constructor(
    private readonly clock: Clock,
    options: CrashBackoffOptions = {},
  ) {
    this.initialMs = options.initialMs ?? 10_000;
    this.maxMs = options.maxMs ?? 300_000;
    this.resetAfterMs = options.resetAfterMs ?? 2 * this.maxMs;
  }

  /**
   * How much longer a restart of `key`, whose last run ended at `finishedAt`, must wait: 0
   * when it may restart now. `delayMs` is the whole current delay (for "back-off 20s ...").
   */
  remaining(key: string, finishedAt: number): { remainingMs: number; delayMs: number } {
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, finishedAt)) return { remainingMs: 0, delayMs: 0 };
    return { remainingMs: Math.max(0, finishedAt + entry.delayMs - this.clock.now()), delayMs: entry.delayMs };
  }

  /** Records a restart of `key` whose last run ended at `finishedAt`: the next one waits longer. */
  next(key: string, finishedAt: number): void {
    const entry = this.entries.get(key);
    const delayMs = !entry || this.expired(entry, finishedAt) ? this.initialMs : Math.min(entry.delayMs * 2, this.maxMs);
    this.entries.set(key, { delayMs, updatedAt: this.clock.now() });
  }

  /** Forgets every key starting with `prefix` (a pod's uid when the pod goes). */
  forgetPrefix(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  /** A run that lasted past the reset window since the last restart starts the delay over. */
  private expired(entry: Entry, finishedAt: number): boolean {
    return finishedAt - entry.updatedAt > this.resetAfterMs;
  }
}

/** Whole seconds or minutes as upstream prints a back-off: "10s", "2m40s", "5m0s". */
export function formatBackoff(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}
