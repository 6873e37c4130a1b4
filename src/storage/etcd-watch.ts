import { Range, type Etcd3, type IKeyValue, type IWatchResponse } from 'etcd3';
import { CompactedError, StoreUnavailableError, type KeyValue, type Watch, type WatchCallbacks, type WatchEvent } from './store.ts';
import { Watcher } from './watcher.ts';

/** What an {@link EtcdWatch} tells the store that opened it. */
export interface EtcdWatchHooks {
  /** etcd reported that history up to `revision` is compacted. */
  compacted(revision: number): void;
  /** A client error as the store reports it (StoreUnavailableError). */
  unavailable(err: unknown): Error;
}

/**
 * One {@link Store.watch} on etcd: its own gRPC watch stream, created from `fromRevision + 1`
 * with previous values, delivered through a {@link Watcher} mailbox. It does not reconnect:
 * when the stream breaks (etcd down, member lost) the watch ends with StoreUnavailableError,
 * and when etcd says the start revision is compacted it ends with CompactedError, so the
 * caller decides how to resume (from its last revision, or by listing again).
 */
export class EtcdWatch implements Watch {
  private readonly mailbox: Watcher;
  private stream: { cancel(): void } | undefined;
  private ended = false;

  constructor(
    private readonly client: Etcd3,
    prefix: string,
    private readonly fromRevision: number,
    callbacks: WatchCallbacks,
    private readonly hooks: EtcdWatchHooks,
  ) {
    this.mailbox = new Watcher(prefix, fromRevision, callbacks, () => this.end());
    void this.open(prefix);
  }

  cancel(): void {
    this.mailbox.cancel();
  }

  private async open(prefix: string): Promise<void> {
    let stream;
    try {
      stream = await this.client.watchClient.watch();
    } catch (err) {
      this.mailbox.fail(this.hooks.unavailable(err));
      return;
    }
    if (this.ended) {
      stream.on('error', () => {});
      stream.cancel();
      return;
    }
    this.stream = stream;
    stream.on('data', (res: IWatchResponse) => this.receive(res));
    stream.on('error', (err: unknown) => this.mailbox.fail(this.hooks.unavailable(err)));
    stream.on('end', () => this.mailbox.fail(new StoreUnavailableError('etcd closed the watch stream')));
    const range = Range.prefix(prefix);
    stream.write({ create_request: { key: range.start, range_end: range.end, start_revision: this.fromRevision + 1, prev_kv: true } });
  }

  private receive(res: IWatchResponse): void {
    const compacted = Number(res.compact_revision);
    if (compacted > 0) {
      this.hooks.compacted(compacted);
      this.mailbox.fail(new CompactedError(this.fromRevision, compacted));
      return;
    }
    if (res.canceled) {
      this.mailbox.fail(new StoreUnavailableError(`etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`));
      return;
    }
    if (res.events.length > 0) this.mailbox.push(res.events.map((e) => toWatchEvent(e.type, e.kv, e.prev_kv)));
  }

  /** Called once by the mailbox when the watch is cancelled or fails: closes the stream. */
  private end(): void {
    this.ended = true;
    this.stream?.cancel();
    this.stream = undefined;
  }
}

/** An etcd key-value as the store's {@link KeyValue}. */
export function toKeyValue(kv: IKeyValue): KeyValue {
  return { key: kv.key.toString(), value: kv.value.toString(), createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision) };
}

/**
 * An etcd event as a store event. etcd's DELETE carries an empty value; the store's carries
 * the value removed (from prevKv) at the revision of the delete.
 */
function toWatchEvent(type: string, kv: IKeyValue, prev: IKeyValue | null): WatchEvent {
  const prevKv = prev ? toKeyValue(prev) : undefined;
  if (type === 'Delete') {
    const removed = prevKv ?? { key: kv.key.toString(), value: '', createRevision: 0, modRevision: 0 };
    return { type: 'DELETE', kv: { ...removed, modRevision: Number(kv.mod_revision) }, prevKv };
  }
  return prevKv ? { type: 'PUT', kv: toKeyValue(kv), prevKv } : { type: 'PUT', kv: toKeyValue(kv) };
}
