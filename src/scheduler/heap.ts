/**
 * A binary heap of keyed items: the order of the scheduling queue's activeQ and backoffQ.
 * Keys make update and delete O(log n), so a pod that changes while it waits keeps one place.
 */
interface Entry<T> {
  key: string;
  item: T;
  /** Where the entry sits in `items`: moving it up or down the heap touches no map. */
  at: number;
}

export class KeyedHeap<T> {
  /** Each item beside its key, so moving it in the heap does not recompute the key. */
  private readonly items: Entry<T>[] = [];
  private readonly index = new Map<string, Entry<T>>();

  /** `less(a, b)`: a comes out before b. */
  constructor(
    private readonly keyOf: (item: T) => string,
    private readonly less: (a: T, b: T) => boolean,
  ) {}

  get size(): number {
    return this.items.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): T | undefined {
    return this.index.get(key)?.item;
  }

  /** Adds the item, or replaces the one with the same key and restores the order. */
  push(item: T): void {
    const key = this.keyOf(item);
    const existing = this.index.get(key);
    if (existing) {
      existing.item = item;
      this.fix(existing.at);
      return;
    }
    const entry = { key, item, at: this.items.length };
    this.items.push(entry);
    this.index.set(key, entry);
    this.up(entry.at);
  }

  peek(): T | undefined {
    return this.items[0]?.item;
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    return this.removeAt(0);
  }

  delete(key: string): T | undefined {
    const entry = this.index.get(key);
    return entry === undefined ? undefined : this.removeAt(entry.at);
  }

  private removeAt(i: number): T {
    const entry = this.items[i];
    const last = this.items.pop()!;
    this.index.delete(entry.key);
    if (i < this.items.length) {
      this.items[i] = last;
      last.at = i;
      this.fix(i);
    }
    return entry.item;
  }

  private fix(i: number): void {
    if (!this.up(i)) this.down(i);
  }

  private up(i: number): boolean {
    const start = i;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.items[i].item, this.items[parent].item)) break;
      this.swap(i, parent);
      i = parent;
    }
    return i !== start;
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const child = r < n && this.less(this.items[r].item, this.items[l].item) ? r : l;
      if (!this.less(this.items[child].item, this.items[i].item)) return;
      this.swap(i, child);
      i = child;
    }
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    const t = items[a];
    items[a] = items[b];
    items[b] = t;
    items[a].at = a;
    t.at = b;
  }
}
