/**
 * A set of keys kept in order, for serving range reads (a prefix, from a start key, a page at
 * a time) from memory. Keys live in sorted chunks of bounded size, so an insert or delete
 * moves at most a chunk's worth of entries (not the whole set, as one sorted array would), and
 * a key's rank — how many keys sort before it, for `remainingItemCount` — costs one step per
 * chunk plus a binary search.
 */
const MAX_CHUNK = 1024;

export class SortedKeys {
  private readonly chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `key`; false if it was there already. */
  insert(key: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count++;
      return true;
    }
    const ci = Math.min(this.chunkFor(key), this.chunks.length - 1);
    const chunk = this.chunks[ci];
    const pos = lowerBound(chunk, key);
    if (chunk[pos] === key) return false;
    chunk.splice(pos, 0, key);
    this.count++;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(ci + 1, 0, chunk.splice(MAX_CHUNK / 2));
    return true;
  }

  /** Removes `key`; false if it was not there. */
  delete(key: string): boolean {
    const ci = this.chunkFor(key);
    const chunk = this.chunks[ci];
    if (!chunk) return false;
    const pos = lowerBound(chunk, key);
    if (chunk[pos] !== key) return false;
    chunk.splice(pos, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
    return true;
  }

  /** How many keys sort before `key`. */
  rank(key: string): number {
    const ci = this.chunkFor(key);
    let before = 0;
    for (let i = 0; i < ci; i++) before += this.chunks[i].length;
    return ci < this.chunks.length ? before + lowerBound(this.chunks[ci], key) : before;
  }

  /** The keys from `key` (inclusive) on, in order. Do not change the set while iterating. */
  *from(key: string): Generator<string> {
    let ci = this.chunkFor(key);
    if (ci >= this.chunks.length) return;
    let pos = lowerBound(this.chunks[ci], key);
    for (; ci < this.chunks.length; ci++, pos = 0) {
      const chunk = this.chunks[ci];
      for (; pos < chunk.length; pos++) yield chunk[pos];
    }
  }

  /** The first chunk whose last key is ≥ `key` (the chunk count if none is). */
  private chunkFor(key: string): number {
    let low = 0;
    let high = this.chunks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const chunk = this.chunks[mid];
      if (chunk[chunk.length - 1] < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

function lowerBound(sorted: string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] < key) low = mid + 1;
    else high = mid;
  }
  return low;
}
