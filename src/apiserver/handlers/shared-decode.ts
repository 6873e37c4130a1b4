/**
 * Watch events decoded and encoded once however many watchers receive them. Every watcher of
 * pods gets every pod event; parsing the stored JSON and writing the event line per watcher
 * would make each write cost as much as there are watchers (thousands of kubelets and
 * informers). The results are shared by every watcher: read them, never change them.
 *
 * They are remembered only for the most recent events (see RecentMemo), not for as
 * long as the watch cache's ring keeps an event: watchers take an event within moments of its
 * dispatch, and a parsed pod plus its event line weigh ~3 times its stored text, which over a
 * ring of 10,000 events was ~100 MB held for the rare watcher resuming from history (it parses
 * again).
 */
import type { WatchEvent } from '../../storage/store.ts';
import { decodeObject, type KObject } from '../registry/object-store.ts';
import { withResourceVersion } from '../json-text.ts';
import { RecentMemo } from '../../client/recent-memo.ts';

/** Events remembered per generation: many times the events of one delivery (a commit batch). */
const RECENT_EVENTS = 1024;
const objects = new RecentMemo<WatchEvent, KObject>(RECENT_EVENTS);
const previous = new RecentMemo<WatchEvent, KObject>(RECENT_EVENTS);
const lines = new WeakMap<KObject, Map<string, string>>();
const objectTexts = new RecentMemo<WatchEvent, string>(RECENT_EVENTS);

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

/**
 * The event line of `event` for a watch that sends objects as stored (the storage version
 * served as is), made from the stored text with its resourceVersion put in: neither parsed nor
 * serialized again. Undefined for text it cannot read (then parse). The object's text is
 * remembered per event; the type depends on the watch's selection.
 */
export function sharedTextLine(event: WatchEvent, type: string): string | undefined {
  let text = objectTexts.get(event);
  if (text === undefined) {
    text = withResourceVersion(event.kv.value, String(event.kv.modRevision));
    if (text === undefined) return undefined;
    objectTexts.set(event, text);
  }
  return `{"type":"${type}","object":${text}}\n`;
}
