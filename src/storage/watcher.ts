import type { Watch, WatchCallbacks, WatchEvent } from './store.ts';

/**
 * One watcher's mailbox, shared by the SQLite store and the watch cache. Producers push
 * events as they learn of them; the watcher receives them later (never inside `watch()`
 * itself, so the caller always holds its `Watch` handle first), in order, batched, and
 * each revision at most once: replay and live delivery may overlap, and whatever is at
 * or below the last delivered revision is dropped here rather than by every producer.
 *
 * A callback that throws ends only its own watch (reported through `onError`), so one
 * broken consumer cannot stop delivery to the others. Event objects are shared by every
 * watcher that receives them: consumers read them and must not change them.
 */
export class Watcher implements Watch {
  private queue: WatchEvent[] = [];
  private scheduled = false;
  private cancelled = false;
  /** Set by the producer once the watcher follows its live changes with nothing left to replay (see {@link Watch.live}). */
  live = false;

  /** Whether the watch has ended (cancelled, or failed): nothing more is delivered. */
  get ended(): boolean {
    return this.cancelled;
  }

  /**
   * @param prefix Keys this watcher wants.
   * @param lastRevision Events at or below this revision are not delivered.
   */
  constructor(
    readonly prefix: string,
    private lastRevision: number,
    private readonly callbacks: WatchCallbacks,
    private readonly onCancel: (watcher: Watcher) => void = () => {},
  ) {}

  /** Queues the events of `events` this watcher has not seen yet (revision order, any keys). */
  push(events: readonly WatchEvent[]): void {
    if (this.cancelled) return;
    for (const event of events) {
      const revision = event.kv.modRevision;
      if (revision <= this.lastRevision || !event.kv.key.startsWith(this.prefix)) continue;
      this.queue.push(event);
      this.lastRevision = revision;
    }
    if (this.queue.length > 0) this.schedule();
  }

  /** Ends the watch with `err` after the events already queued. */
  fail(err: Error): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.onCancel(this);
    const pending = this.queue;
    this.queue = [];
    queueMicrotask(() => {
      if (pending.length > 0) this.callbacks.onEvents(pending);
      this.callbacks.onError?.(err);
    });
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.queue = [];
    this.onCancel(this);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.deliver());
  }

  private deliver(): void {
    this.scheduled = false;
    if (this.cancelled || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.callbacks.onEvents(batch);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
