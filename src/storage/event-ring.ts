import type { WatchEvent } from './store.ts';

/**
 * The most recent watch events, oldest first, in a fixed number of slots: appending to a
 * full ring drops the oldest. Events are in revision order, so finding where a watcher
 * resumes is a binary search.
 */
export class EventRing {
  private readonly slots: (WatchEvent | undefined)[];
  private head = 0;
  private size = 0;

  /** @param capacity How many events are kept (at least 1). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.slots = new Array(capacity);
  }

  /** Appends `event`; returns the event it pushed out, if the ring was full. */
  push(event: WatchEvent): WatchEvent | undefined {
    if (this.size < this.capacity) {
      this.slots[(this.head + this.size++) % this.capacity] = event;
      return undefined;
    }
    const dropped = this.slots[this.head];
    this.slots[this.head] = event;
    this.head = (this.head + 1) % this.capacity;
    return dropped;
  }

  /** The kept events whose revision is greater than `revision`, oldest first. */
  after(revision: number): WatchEvent[] {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.at(mid).kv.modRevision <= revision) low = mid + 1;
      else high = mid;
    }
    const events: WatchEvent[] = [];
    for (let i = low; i < this.size; i++) events.push(this.at(i));
    return events;
  }

  private at(index: number): WatchEvent {
    return this.slots[(this.head + index) % this.capacity]!;
  }
}
