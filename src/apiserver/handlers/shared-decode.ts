/**
 * Watch events decoded and encoded once however many watchers receive them. Every watcher of
 * pods gets every pod event; parsing the stored JSON and writing the event line per watcher
 * would make each write cost as much as there are watchers (thousands of kubelets and
 * informers). The results are shared by every watcher: read them, never change them.
 *
 * They are remembered only for the most recent events (see {@link RecentMemo}), not for as
 * long as the watch cache's ring keeps an event: watchers take an event within moments of its
 * dispatch, and a parsed pod plus its event line weigh ~3 times its stored text, which over a
 * ring of 10,000 events was ~100 MB held for the rare watcher resuming from history (it parses
 * again).
 */
import type { WatchEvent } from '../../storage/store.ts';
import { decodeObject, type KObject } from '../registry/object-store.ts';

/**
 * A memo of the last `size`–2×`size` keys set: when the newer of two generations fills, the
 * older one is dropped. Keys are held strongly, so it never keeps more than 2×`size` entries.
 */
export class RecentMemo<K, V> {
  private newer = new Map<K, V>();
  private older = new Map<K, V>();

  constructor(private readonly size: number) {}

  get(key: K): V | undefined {
    return this.newer.get(key) ?? this.older.get(key);
  }

  set(key: K, value: V): void {
    if (this.newer.size >= this.size) {
      this.older = this.newer;
      this.newer = new Map();
    }
    this.newer.set(key, value);
  }
}

/** Events remembered per generation: many times the events of one delivery (a commit batch). */
const RECENT_EVENTS = 1024;
const objects = new RecentMemo<WatchEvent, KObject>(RECENT_EVENTS);
const previous = new RecentMemo<WatchEvent, KObject>(RECENT_EVENTS);
const lines = new WeakMap<KObject, Map<string, string>>();

/** The object `event` carries (its previous value with `prev`), parsed once (read-only: it is shared). */
export function sharedObject(event: WatchEvent, prev = false): KObject {
  const memo = prev ? previous : objects;
  let obj = memo.get(event);
  if (!obj) memo.set(event, (obj = decodeObject(prev ? event.prevKv! : event.kv)));
  return obj;
}

/** `{"type":type,"object":obj}` and a newline, serialized once per object and type. */
export function sharedEventLine(type: string, obj: KObject): string {
  let byType = lines.get(obj);
  if (!byType) lines.set(obj, (byType = new Map()));
  let line = byType.get(type);
  if (line === undefined) byType.set(type, (line = JSON.stringify({ type, object: obj }) + '\n'));
  return line;
}
