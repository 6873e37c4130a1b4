/**
 * Watch events decoded and encoded once however many watchers receive them. Every watcher of
 * pods gets every pod event; parsing the stored JSON and writing the event line per watcher
 * would make each write cost as much as there are watchers (thousands of kubelets and
 * informers). The results are remembered beside the event (weakly: they go when the watch
 * cache's ring lets the event go; keyed by the event rather than its value, which the state
 * cache keeps for as long as the key lives), so they are shared by every watcher: read them,
 * never change them.
 */
import type { WatchEvent } from '../../storage/store.ts';
import { decodeObject, type KObject } from '../registry/object-store.ts';

const objects = new WeakMap<WatchEvent, KObject>();
const previous = new WeakMap<WatchEvent, KObject>();
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
