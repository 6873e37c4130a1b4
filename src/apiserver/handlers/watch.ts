/**
 * WATCH: a chunked stream of `{"type":..., "object":...}` lines. resourceVersion "" or "0"
 * (or sendInitialEvents=true) starts with an ADDED event per existing object; N streams every
 * change after N; a compacted N gets HTTP 200 then an ERROR event with a 410 Expired Status,
 * as upstream does. Selectors turn an object leaving the selection into DELETED and one
 * entering it into ADDED. Bookmarks carry the current revision when asked for.
 */
import { fromStorageVersion, storedAsServed } from '../../api/versions/index.ts';
import { apiVersionOf } from '../../api/resource.ts';
import { CompactedError, type WatchEvent } from '../../storage/store.ts';
import { badRequest, expired } from '../errors.ts';
import { toTable } from '../tables/index.ts';
import { contentTypeOf } from '../negotiation.ts';
import type { KObject } from '../registry/object-store.ts';
import { prefixFor } from '../storage-keys.ts';
import { toStatusError, type RequestContext } from '../context.ts';
import { partialMetadata, representation } from './read.ts';
import { indexFor, planList, storedValueFilter } from './list-source.ts';
import { selectorFilter } from './selectors.ts';
import { sharedEventLine, sharedObject, sharedTextLine } from './shared-decode.ts';

/** Upstream closes watches after a random 30–60 minutes so clients rebalance; we use the middle. */
const DEFAULT_TIMEOUT_SECONDS = 45 * 60;
/** A watcher this far behind is cut off rather than buffering without bound. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/**
 * Pending events go out in one write once they reach this many characters (or after
 * {@link FLUSH_DELAY_MS}): each write of a chunked response is four socket writes (size, CRLF,
 * data, CRLF), so a write per event would cost several times the event itself.
 */
const BATCH_CHARS = 64 * 1024;
/**
 * Events wait this long for company before they are written (unless {@link BATCH_CHARS} fill
 * first). Each write is a TLS record and a loopback send, 50–100 µs of the server's CPU plus a
 * wake-up of the watcher, and under load the store delivers a few events at a time, hundreds of
 * times a second, to every watcher of a busy resource: at 1,000 pods/s the writes alone took
 * ~10% of the API server. A few milliseconds more on a watch is invisible to its consumers.
 */
const FLUSH_DELAY_MS = 5;

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export async function handleWatch(ctx: RequestContext): Promise<void> {
  const { query, resource: r, info, res, req, parts } = ctx;
  const rep = representation(ctx);
  const rvText = query.get('resourceVersion') ?? '';
  if (rvText && !/^\d+$/.test(rvText)) throw badRequest(`invalid resource version: ${rvText}`);
  const sendInitialText = query.get('sendInitialEvents');
  const allowBookmarks = query.get('allowWatchBookmarks') === 'true';
  if (sendInitialText === 'true' && !allowBookmarks) throw badRequest('sendInitialEvents is forbidden unless allowWatchBookmarks=true');
  const timeoutText = query.get('timeoutSeconds');
  const timeoutSeconds = timeoutText ? Number(timeoutText) : DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) throw badRequest(`invalid timeoutSeconds: ${timeoutText}`);
  const filter = selectorFilter(query, r, info.name || undefined);
  const prefix = prefixFor(r, info.namespace);
  // A kubelet's watch of its node's pods is narrowed by the nodeName index: see WatchCache.
  const index = indexFor(r, query.get('fieldSelector'));

  // Declared before the first early answer (a compacted revision) can send an event.
  let closed = false;
  let first = true;
  /** Lines not yet written (see {@link BATCH_CHARS} and {@link FLUSH_DELAY_MS}). */
  let pending = '';
  let flushTimer: NodeJS.Timeout | undefined;

  const fromRev = rvText && rvText !== '0' ? Number(rvText) : 0;
  const initialEvents = sendInitialText === 'true' || (sendInitialText !== 'false' && fromRev === 0);
  let initial: KObject[] = [];
  let startRevision = fromRev;
  if (initialEvents) {
    const plan = await planList(parts.objects.store, parts.stateCache, { resourceVersion: rvText, pinnedRevision: 0, limit: 0, index });
    const page = await parts.objects.list(r, info.namespace, { filter, revision: plan.revision, source: plan.source });
    initial = page.items;
    startRevision = page.revision;
  } else if (fromRev > 0) {
    const compacted = await parts.objects.store.compactedRevision();
    if (fromRev < compacted) {
      startStream();
      sendError(expired(`too old resource version: ${fromRev} (${compacted})`));
      res.end();
      return;
    }
  } else {
    startRevision = parts.watchCache.revision;
  }

  function startStream(): void {
    res.writeHead(200, { 'Content-Type': contentTypeOf(rep), 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
  }
  function render(obj: KObject): unknown {
    if (rep.as === 'Table') {
      const t = toTable(r, [obj], { includeObject: (rep.includeObject as 'None' | 'Metadata' | 'Object' | undefined) ?? 'Metadata' }) as KObject;
      // Column definitions go with the first event only, as upstream sends them.
      if (!first) t.columnDefinitions = [];
      first = false;
      return t;
    }
    if (rep.as === 'PartialObjectMetadata' || rep.as === 'PartialObjectMetadataList') return partialMetadata(obj, rep.version);
    return obj;
  }
  const plainObjects = rep.as !== 'Table' && rep.as !== 'PartialObjectMetadata' && rep.as !== 'PartialObjectMetadataList';
  function send(type: EventType, object: unknown, shared = false): void {
    if (closed) return;
    sendLine(shared && plainObjects ? sharedEventLine(type, object as KObject) : JSON.stringify({ type, object }) + '\n');
  }
  function sendLine(line: string): void {
    if (closed) return;
    pending += line;
    if (pending.length >= BATCH_CHARS) flush();
  }
  function flush(): void {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    const text = pending;
    pending = '';
    if (!text || closed) return;
    res.write(text);
    if (res.writableLength > MAX_BUFFERED_BYTES) stop();
  }
  function flushSoon(): void {
    if (pending && !flushTimer) flushTimer = setTimeout(flush, FLUSH_DELAY_MS);
  }
  function sendError(err: unknown): void {
    send('ERROR', toStatusError(err).toStatus());
    flush();
  }
  function bookmark(revision: number, initialEnd = false): void {
    const metadata: KObject = { resourceVersion: String(revision) };
    if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    send('BOOKMARK', { kind: r.kind, apiVersion: apiVersionOf(r), metadata });
    flush();
  }

  startStream();
  for (const obj of initial) send('ADDED', render(obj));
  if (sendInitialText === 'true') bookmark(startRevision, true);
  flush();

  let lastRevision = startRevision;
  const onEvents = (events: WatchEvent[]): void => {
    try {
      deliver(events);
    } finally {
      flushSoon();
    }
  };
  // Objects as stored, selected (if at all) from their text: event lines are made from the
  // stored text, nothing parsed (see sharedTextLine).
  const storedFilter = filter && storedValueFilter(r, query, info.name || undefined);
  const asStored = plainObjects && storedAsServed(r) && (!filter || storedFilter !== undefined);
  /** Whether the watch's selection takes the event's value (its previous one with `prev`). */
  const selects: ((ev: WatchEvent, prev: boolean) => boolean) | undefined = asStored
    ? storedFilter && ((ev, prev) => storedFilter(prev ? ev.prevKv! : ev.kv))
    : filter && ((ev, prev) => filter(fromStorageVersion(r, sharedObject(ev, prev))));
  const deliver = (events: WatchEvent[]): void => {
    for (const ev of events) {
      lastRevision = ev.kv.modRevision;
      const type = eventType(ev, selects);
      if (type === undefined) continue;
      const line = asStored ? sharedTextLine(ev, type) : undefined;
      if (line !== undefined) sendLine(line);
      else send(type, render(fromStorageVersion(r, sharedObject(ev))), true);
    }
  };
  const watch = parts.watchCache.watch(
    prefix,
    startRevision,
    {
      onEvents,
      onError(err) {
        if (err instanceof CompactedError) sendError(expired(`too old resource version: ${err.requested} (${err.compacted})`));
        else sendError(err);
        stop();
      },
    },
    index,
  );
  // The newest revision only once the watch is live: one still replaying history from the
  // datastore (resumed from beyond the watch cache's ring) has not been handed the changes up to
  // it, and a client resuming from the bookmark would never see them.
  const bookmarkRevision = () => (watch.live ? Math.max(lastRevision, parts.watchCache.revision) : lastRevision);
  const bookmarkTimer = allowBookmarks ? setInterval(() => bookmark(bookmarkRevision()), parts.bookmarkIntervalSeconds * 1000) : undefined;
  // A last bookmark as the watch times out (upstream sends one just before the deadline): the
  // client resumes from the latest revision, not from its last event or minute-old bookmark,
  // which at a thousand writes a second is past what the watch cache keeps, so its next watch
  // would replay the datastore's log instead of the cache's memory.
  const timeoutTimer = setTimeout(() => {
    if (allowBookmarks) bookmark(bookmarkRevision());
    flush();
    stop();
  }, timeoutSeconds * 1000);
  function stop(): void {
    if (closed) return;
    closed = true;
    if (flushTimer) clearTimeout(flushTimer);
    watch.cancel();
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    clearTimeout(timeoutTimer);
    res.end();
  }
  req.on('close', stop);
  res.on('close', stop);
}

/**
 * What `ev` is to a watch whose selection is `selects` (none: everything): an object entering
 * the selection is ADDED, one leaving it DELETED; undefined when the watch does not see it.
 * The previous value matters only to a filtered watch.
 */
function eventType(ev: WatchEvent, selects: ((ev: WatchEvent, prev: boolean) => boolean) | undefined): EventType | undefined {
  const matches = !selects || selects(ev, false);
  if (ev.type === 'DELETE') return matches ? 'DELETED' : undefined;
  const prevMatched = ev.prevKv !== undefined && (!selects || selects(ev, true));
  if (matches) return prevMatched ? 'MODIFIED' : 'ADDED';
  return prevMatched ? 'DELETED' : undefined;
}
