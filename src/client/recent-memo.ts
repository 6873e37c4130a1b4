/**
 * A memo of what was computed for the most recent keys (watch events decoded once for every
 * watcher of the API server, or for every informer of a process): the last `size`–2×`size`
 * keys set. When the newer of two generations fills, the older one is dropped; keys are held
 * strongly, so it never keeps more than 2×`size` entries — a burst of events, not a history.
 */
export class RecentMemo<K, V> {
  private newer = new Map<K, V>();
  private older = new Map<K, V>();

  constructor(private readonly size: number) {}

  get(key: K): V | undefined {
    return this.newer.get(key) ?? this.older.get(key);
  }

  set(key: K, value: V): void {
    if (this.newer.size >= this.size) {
      this.older = this.newer;
      this.newer = new Map();
    }
    this.newer.set(key, value);
  }
}
