/**
 * A watch as the API server streams it: one JSON event per line, `{"type", "object"}`. The
 * stream is decoded as it arrives (events may be split across chunks anywhere), and it ends
 * in exactly one `onClose`:
 * - no error: the server ended the stream cleanly (its timeoutSeconds ran out);
 * - an {@link ApiError}: the watch was refused, or an ERROR event came (410 Expired: relist);
 * - any other error: the connection dropped, or a line was not an event, or (with `idle`)
 *   nothing arrived for longer than the server's bookmarks allow: a connection whose peer
 *   vanished (a partitioned node) sends no FIN, and without this the watch would wait forever.
 */
import { apiErrorFrom } from './api-error.ts';
import type { Clock } from './clock.ts';
import { readJson, type HttpRequest, type Transport } from './transport.ts';
import { RecentMemo } from './recent-memo.ts';

export interface WatchEvent<T> {
  /** A BOOKMARK's object carries only metadata.resourceVersion. */
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: T;
}

export interface Watch {
  /** Ends the stream; `onClose` is not called after this. */
  stop(): void;
}

/** Ends a watch that receives nothing for `timeoutMs`, measured on `clock`. */
export interface WatchIdleLimit {
  clock: Clock;
  timeoutMs: number;
}

/** Event lines remembered per generation by {@link decodeShared}: many times one delivery. */
const SHARED_LINES = 2048;
const sharedEvents = new RecentMemo<string, { type: string; object: unknown }>(SHARED_LINES);

/**
 * JSON.parse, once per distinct line for all the process's watches that share decoding: the
 * controller manager and the scheduler of `skiff server` each watch pods and nodes and receive
 * the same lines. Looking a 2 KB line up costs a hash of it, parsing it ~10 times that. The
 * event and its object are shared: read-only for every receiver.
 */
export function decodeShared(line: string): { type: string; object: unknown } {
  let event = sharedEvents.get(line);
  if (event === undefined) sharedEvents.set(line, (event = JSON.parse(line) as { type: string; object: unknown }));
  return event;
}

export function openWatch<T>(
  transport: Transport,
  request: HttpRequest,
  onEvent: (event: WatchEvent<T>) => void,
  onClose: (err?: Error) => void,
  idle?: WatchIdleLimit,
  /** How an event line becomes an event: JSON.parse, or {@link decodeShared}. */
  decode: (line: string) => { type: string; object: unknown } = JSON.parse,
): Watch {
  const abort = new AbortController();
  let closed = false;
  let cancelIdle: (() => void) | undefined;
  const close = (err?: Error) => {
    if (closed) return;
    closed = true;
    cancelIdle?.();
    abort.abort();
    onClose(err);
  };
  // Each chunk only notes the time; one timer checks it, instead of a timer re-armed per chunk.
  let lastHeard = 0;
  const checkIdle = (afterMs: number) => {
    cancelIdle = idle!.clock.setTimer(afterMs, () => {
      cancelIdle = undefined;
      if (closed) return;
      const quietMs = idle!.clock.now() - lastHeard;
      if (quietMs < idle!.timeoutMs) return checkIdle(idle!.timeoutMs - quietMs);
      close(new Error(`watch stream: nothing received for ${Math.round(idle!.timeoutMs / 1000)} s; the connection is presumed dead`));
    });
  };
  const armIdle = () => {
    if (!idle || closed) return;
    lastHeard = idle.clock.now();
    if (!cancelIdle) checkIdle(idle.timeoutMs);
  };
  armIdle();
  const deliver = (line: string) => {
    let event: { type: string; object: any };
    try {
      event = decode(line) as { type: string; object: any };
    } catch (err) {
      return close(new Error(`watch stream: bad event ${JSON.stringify(line.slice(0, 200))}`, { cause: err }));
    }
    if (event.type === 'ERROR') return close(apiErrorFrom(event.object?.code ?? 500, event.object));
    try {
      onEvent(event as WatchEvent<T>);
    } catch (err) {
      close(err instanceof Error ? err : new Error(String(err)));
    }
  };
  transport
    .request({ ...request, signal: abort.signal })
    .then(async (res) => {
      if (res.status !== 200) return close(apiErrorFrom(res.status, await readJson(res)));
      let buffered = '';
      let ended = false;
      res.body.setEncoding('utf8');
      res.body.on('data', (chunk: string) => {
        armIdle();
        const text = buffered ? buffered + chunk : chunk;
        let start = 0;
        let nl: number;
        while (!closed && (nl = text.indexOf('\n', start)) >= 0) {
          const line = text.slice(start, nl);
          start = nl + 1;
          // Lines are `{...}`; JSON.parse takes surrounding blanks, a blank line is skipped.
          if (line.charCodeAt(0) === 123 || line.trim()) deliver(line);
        }
        buffered = start === 0 ? text : text.slice(start);
      });
      res.body.on('end', () => {
        ended = true;
        close();
      });
      res.body.on('error', (err) => close(err));
      res.body.on('close', () => {
        if (!ended) close(new Error('watch connection closed before the stream ended'));
      });
    })
    .catch((err) => close(err));
  return {
    stop() {
      closed = true;
      cancelIdle?.();
      abort.abort();
    },
  };
}
