/**
 * Records core/v1 Events about objects, so `kubectl describe` shows what a component did and
 * why. As upstream's recorder:
 * - a repeat (same object, type, reason, message and source) does not make a new Event: the
 *   existing one's count and lastTimestamp are patched;
 * - each source and object has a token bucket (25 events, then one per 5 minutes), so a
 *   component stuck in a hot loop cannot flood the API; events beyond it are dropped;
 * - as client-go's broadcaster, events are written one at a time from a queue of at most
 *   1,000: a component busy with real work (the scheduler binding a thousand pods a second)
 *   spends at most one request at a time on events, and when the API cannot keep up the
 *   newest events are dropped rather than the component slowed down.
 * Recording never throws: a failed write is logged and forgotten, since events are advisory.
 */
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { formatTime } from '../api/time.ts';
import { isNotFound } from './api-error.ts';
import { realClock, type Clock } from './clock.ts';
import type { KubeObject, RestClient } from './rest-client.ts';

/** What the recorder needs of the API. */
export type EventClient = Pick<RestClient, 'createSerialized' | 'patch'>;

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** source.component, e.g. "replicaset-controller". */
  component: string;
  /** source.host, e.g. the node name (kubelet events). */
  host?: string;
  /** Events a source may record about one object at once. Default 25. */
  burst?: number;
  /** One more event is allowed per this interval once the burst is spent. Default 5 minutes. */
  refillIntervalMs?: number;
  /** How many aggregated events (and buckets) are remembered. Default 4096. */
  cacheSize?: number;
  /** Events waiting to be written beyond which new ones are dropped. Default 1000. */
  maxQueued?: number;
  clock?: Clock;
  log?: (line: string) => void;
}

/** An event waiting its turn to be written. */
interface Queued {
  key: string;
  ref: ObjectReference;
  type: EventType;
  reason: string;
  message: string;
  /** When it happened (not when it is written). */
  at: number;
  written: () => void;
}

interface Recorded {
  namespace: string;
  name: string;
  count: number;
}

export class EventRecorder {
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly burst: number;
  private readonly refillIntervalMs: number;
  private readonly cacheSize: number;
  private readonly recorded = new Map<string, Recorded>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly maxQueued: number;
  /** Written one at a time, in order, so a repeat always finds its first already recorded. */
  private queue: Queued[] = [];
  private writing = false;
  /** Whether the drop of a full queue has been logged (once per overflow, not per event). */
  private overflowLogged = false;
  private readonly events = findResource('', 'v1', 'events')!;
  /** Name suffixes are nanosecond timestamps; this keeps two in one millisecond apart. */
  private lastNanos = 0n;
  /** The fields every Event of this recorder shares, as JSON members: written once, not per event. */
  private readonly sourceMembers: string;

  constructor(
    private readonly client: EventClient,
    private readonly options: EventRecorderOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.log = options.log ?? ((line) => console.error(line));
    this.burst = options.burst ?? 25;
    this.refillIntervalMs = options.refillIntervalMs ?? 300_000;
    this.cacheSize = options.cacheSize ?? 4096;
    this.maxQueued = options.maxQueued ?? 1000;
    const source = { component: options.component, ...(options.host ? { host: options.host } : {}) };
    this.sourceMembers = `"source":${JSON.stringify(source)},"reportingComponent":${JSON.stringify(options.component)},"reportingInstance":${JSON.stringify(options.host ?? '')}`;
  }

  /**
   * Records that `reason` happened to `obj`. Resolves once written (or dropped) and never
   * rejects; throws at once only for an object without kind, apiVersion or name (a caller bug).
   */
  event(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const ref = referenceTo(obj);
    // A full queue drops the event before it reaches the spam filter, as upstream's
    // broadcaster does: a dropped event spends none of the object's budget.
    if (this.queue.length >= this.maxQueued) {
      if (!this.overflowLogged) this.log(`events: ${this.maxQueued} events waiting to be written; dropping new ones until the queue drains`);
      this.overflowLogged = true;
      return Promise.resolve();
    }
    const source = `${this.options.component}/${this.options.host ?? ''}`;
    const objectKey = [source, ref.apiVersion, ref.kind, ref.namespace, ref.name, ref.uid].join('\u0000');
    if (!this.take(objectKey)) return Promise.resolve();
    const key = [objectKey, type, reason, message].join('\u0000');
    return new Promise((written) => {
      this.queue.push({ key, ref, type, reason, message, at: this.clock.now(), written });
      if (!this.writing) void this.writeQueued();
    });
  }

  /** Writes the queue out, one event at a time, until it is empty. */
  private async writeQueued(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const next = this.queue.shift()!;
      await this.write(next);
      next.written();
      if (this.queue.length === 0) this.overflowLogged = false;
    }
    this.writing = false;
  }

  private async write({ key, ref, type, reason, message, at: now }: Queued): Promise<void> {
    const stamp = formatTime(now);
    try {
      const seen = this.recorded.get(key);
      if (seen) {
        try {
          await this.client.patch(this.events, seen.namespace, seen.name, { count: seen.count + 1, lastTimestamp: stamp }, 'merge');
          seen.count++;
          remember(this.recorded, key, seen, this.cacheSize);
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      const namespace = ref.namespace || 'default';
      const nanos = BigInt(now) * 1_000_000n;
      this.lastNanos = nanos > this.lastNanos ? nanos : this.lastNanos + 1n;
      const name = `${ref.name}.${this.lastNanos.toString(16)}`;
      // Written as text: the recorder of a busy component (the scheduler, an Event per pod)
      // would otherwise build, copy and encode an object per event.
      const json =
        `{"apiVersion":"v1","kind":"Event","metadata":{"name":${JSON.stringify(name)},"namespace":${JSON.stringify(namespace)}},` +
        `"involvedObject":${JSON.stringify(ref)},"reason":${JSON.stringify(reason)},"message":${JSON.stringify(message)},"type":${JSON.stringify(type)},` +
        `${this.sourceMembers},"firstTimestamp":"${stamp}","lastTimestamp":"${stamp}","count":1}`;
      await this.client.createSerialized(this.events, namespace, json);
      remember(this.recorded, key, { namespace, name, count: 1 }, this.cacheSize);
    } catch (err) {
      this.log(`event ${reason} on ${ref.kind} ${ref.namespace ?? ''}/${ref.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Takes a token from the bucket of `objectKey`; false when it is empty. */
  private take(objectKey: string): boolean {
    const now = this.clock.now();
    const bucket = this.buckets.get(objectKey) ?? { tokens: this.burst, at: now };
    const refills = Math.floor((now - bucket.at) / this.refillIntervalMs);
    if (refills > 0) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + refills);
      bucket.at += refills * this.refillIntervalMs;
    }
    if (bucket.tokens >= this.burst) bucket.at = now;
    const allowed = bucket.tokens > 0;
    if (allowed) bucket.tokens--;
    remember(this.buckets, objectKey, bucket, this.cacheSize);
    return allowed;
  }
}

/** The involvedObject of an event about `obj`. */
export function referenceTo(obj: KubeObject): ObjectReference {
  const m = obj.metadata ?? {};
  if (!obj.kind || !obj.apiVersion || !m.name) throw new Error('an event needs an object with kind, apiVersion and metadata.name');
  const ref: ObjectReference = { apiVersion: obj.apiVersion, kind: obj.kind, name: m.name };
  if (m.namespace) ref.namespace = m.namespace;
  if (m.uid) ref.uid = m.uid;
  if (m.resourceVersion) ref.resourceVersion = m.resourceVersion;
  return ref;
}

/** Sets `key` as the most recent entry, dropping the least recent beyond `size`. */
function remember<V>(map: Map<string, V>, key: string, value: V, size: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > size) map.delete(map.keys().next().value!);
}
