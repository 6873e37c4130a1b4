/**
 * Watch events decoded and encoded once however many watchers receive them. Every watcher of
 * pods gets every pod event; parsing the stored JSON and writing the event line per watcher
 * would make each write cost as much as there are watchers (thousands of kubelets and
 * informers). The results are remembered beside the event itself (weakly: they go when the
 * event does), so they are shared by every watcher: read them, never change them.
 */
import type { KeyValue } from '../../storage/store.ts';
import { decodeObject, type KObject } from '../registry/object-store.ts';

const objects = new WeakMap<KeyValue, KObject>();
const lines = new WeakMap<KObject, Map<string, string>>();

/** The object `kv` holds, parsed once (read-only: it is shared). */
export function sharedObject(kv: KeyValue): KObject {
  let obj = objects.get(kv);
  if (!obj) objects.set(kv, (obj = decodeObject(kv)));
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
