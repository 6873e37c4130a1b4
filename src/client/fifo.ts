/**
 * A first-in first-out queue whose `shift` costs the same at any length. `Array.prototype.shift`
 * moves every element once an array is too large for V8 to trim it in place (beyond ~16k
 * elements here: 1.5 µs a shift at 10,000 keys, 50–120 µs at 50,000–100,000), so draining a
 * controller's queue of 150,000 keys with it took minutes of the event loop.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, removed; undefined when empty. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      // Drop the consumed half: each item is copied at most once per halving (amortised O(1)).
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const rest = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return rest;
  }
}
