/**
 * A watch as the API server streams it: one JSON event per line, `{"type", "object"}`. The
 * stream is decoded as it arrives (events may be split across chunks anywhere), and it ends
 * in exactly one `onClose`:
 * - no error: the server ended the stream cleanly (its timeoutSeconds ran out);
 * - an {@link ApiError}: the watch was refused, or an ERROR event came (410 Expired: relist);
 * - any other error: the connection dropped, or a line was not an event.
 */
import { apiErrorFrom } from './api-error.ts';
import { readJson, type HttpRequest, type Transport } from './transport.ts';

export interface WatchEvent<T> {
  /** A BOOKMARK's object carries only metadata.resourceVersion. */
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: T;
}

export interface Watch {
  /** Ends the stream; `onClose` is not called after this. */
  stop(): void;
}

export function openWatch<T>(transport: Transport, request: HttpRequest, onEvent: (event: WatchEvent<T>) => void, onClose: (err?: Error) => void): Watch {
  const abort = new AbortController();
  let closed = false;
  const close = (err?: Error) => {
    if (closed) return;
    closed = true;
    abort.abort();
    onClose(err);
  };
  const deliver = (line: string) => {
    let event: { type: string; object: any };
    try {
      event = JSON.parse(line);
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
        buffered += chunk;
        let nl: number;
        while (!closed && (nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) deliver(line);
        }
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
      abort.abort();
    },
  };
}
