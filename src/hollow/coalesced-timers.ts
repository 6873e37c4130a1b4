/**
 * Many one-shot timers on one real timer. Thousands of hollow nodes each renewing a Lease
 * every 10 s would otherwise hold thousands of timers; here due times are rounded up to a
 * resolution (default 100 ms) and everything due in one slot fires from a single wake-up.
 * Each key has at most one pending callback: scheduling a key again replaces it.
 */
import type { Clock } from '../client/index.ts';

export class CoalescedTimers<K> {
  /** slot number → callbacks due in it */
  private readonly slots = new Map<number, Map<K, () => void>>();
  private readonly slotOf = new Map<K, number>();
  /** Slot numbers with callbacks, ascending. */
  private readonly order: number[] = [];
  private armedSlot: number | undefined;
  private cancelArmed: (() => void) | undefined;
  private stopped = false;
  private firing = false;

  /** @param resolutionMs how far a callback may run late so that it shares a wake-up (default 100). */
  constructor(
    private readonly clock: Clock,
    private readonly resolutionMs = 100,
  ) {}

  /** Runs `fn` at `atMs` (epoch ms) or up to one resolution later; replaces `key`'s pending callback. */
  at(key: K, atMs: number, fn: () => void): void {
    if (this.stopped) return;
    this.cancel(key);
    const slot = Math.ceil(atMs / this.resolutionMs);
    let due = this.slots.get(slot);
    if (!due) {
      this.slots.set(slot, (due = new Map()));
      this.order.splice(lowerBound(this.order, slot), 0, slot);
    }
    due.set(key, fn);
    this.slotOf.set(key, slot);
    this.arm();
  }

  /** Forgets `key`'s pending callback, if any. */
  cancel(key: K): void {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return;
    this.slotOf.delete(key);
    const due = this.slots.get(slot);
    due?.delete(key);
    if (due?.size === 0) this.dropSlot(slot);
  }

  /** How many callbacks are pending. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Cancels everything; later `at` calls are ignored. */
  stop(): void {
    this.stopped = true;
    this.cancelArmed?.();
    this.cancelArmed = undefined;
    this.slots.clear();
    this.slotOf.clear();
    this.order.length = 0;
  }

  private dropSlot(slot: number): void {
    this.slots.delete(slot);
    const i = lowerBound(this.order, slot);
    if (this.order[i] === slot) this.order.splice(i, 1);
  }

  /** Keeps the one real timer set for the earliest slot. */
  private arm(): void {
    if (this.firing) return;
    const first = this.order[0];
    if (first === undefined || first === this.armedSlot) return;
    this.cancelArmed?.();
    this.armedSlot = first;
    this.cancelArmed = this.clock.setTimer(first * this.resolutionMs - this.clock.now(), () => this.fire());
  }

  private fire(): void {
    this.armedSlot = undefined;
    this.cancelArmed = undefined;
    const nowSlot = Math.floor(this.clock.now() / this.resolutionMs);
    this.firing = true;
    while (!this.stopped && this.order.length > 0 && this.order[0] <= nowSlot) {
      const slot = this.order[0];
      const due = this.slots.get(slot)!;
      // Entries are removed one by one, so a callback may still cancel or reschedule the others.
      for (const [key, fn] of due) {
        due.delete(key);
        this.slotOf.delete(key);
        fn();
        if (this.stopped) break;
      }
      if (this.slots.get(slot) === due) this.dropSlot(slot);
    }
    this.firing = false;
    if (!this.stopped) this.arm();
  }
}

/** The first index of ascending `sorted` whose value is ≥ `value`. */
function lowerBound(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
