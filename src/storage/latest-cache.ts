import type { KeyValue } from './store.ts';

/**
 * The newest value of recently read keys, so that the reads the API server makes before
 * nearly every write (the object to update, the namespace a create goes into) do not each
 * walk the database. The owner keeps it exact: it fills it from reads at its current
 * revision and tells it of every write it acknowledges, at the moment its revision moves.
 * A write refreshes a key only if the key is already cached, so keys written and never read
 * (Events) do not push out the ones that are read. Beyond `capacity` keys the oldest go.
 */
export class LatestCache {
  private readonly entries = new Map<string, KeyValue>();

  /** @param capacity Keys kept at most. */
  constructor(private readonly capacity: number) {}

  get(key: string): KeyValue | undefined {
    return this.entries.get(key);
  }

  /** Remembers `kv` as the newest value of its key, read at the owner's current revision. */
  remember(kv: KeyValue): void {
    if (this.entries.size >= this.capacity && !this.entries.has(kv.key)) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(kv.key, kv);
  }

  /** An acknowledged write: `kv` is the key's new value, or undefined when it was deleted. */
  written(key: string, kv: KeyValue | undefined): void {
    if (!this.entries.has(key)) return;
    if (kv) this.entries.set(key, kv);
    else this.entries.delete(key);
  }
}
