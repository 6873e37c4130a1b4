/**
 * Image garbage collection, as the kubelet's image manager does it: when the filesystem holding
 * the images is fuller than the high-water mark, remove images no container uses, least recently
 * used first, until usage is back under the low-water mark.
 */
import { statfs } from 'node:fs/promises';
import type { Image, ImageService } from './image-service.ts';

export interface DiskUsage {
  capacityBytes: number;
  availableBytes: number;
}

export interface ImageGCOptions {
  /** Image ids (sha256:...) that running or wanted containers use; never removed. */
  inUse: ReadonlySet<string>;
  /** Usage (percent of capacity) at which collection starts; default 85 (kubelet's imageGCHighThresholdPercent). */
  highThresholdPercent?: number;
  /** Usage collection brings the disk down to; default 80 (imageGCLowThresholdPercent). */
  lowThresholdPercent?: number;
  /** Usage of the images' filesystem; defaults to statfs of `imagesDir`. */
  diskUsage?: () => Promise<DiskUsage>;
  /** The store's directory, for the default diskUsage. */
  imagesDir?: string;
}

export interface ImageGCResult {
  /** Ids of the images removed, in removal order. */
  removed: string[];
  /** Sum of the removed images' sizes. */
  freedBytes: number;
  /** Bytes collection wanted to free (0 when under the high-water mark). */
  wantedBytes: number;
}

/** The free-space shortfall: bytes to free to get under the low mark, or 0 when under the high mark. */
export function bytesToFree(usage: DiskUsage, highThresholdPercent: number, lowThresholdPercent: number): number {
  if (usage.capacityBytes <= 0) return 0;
  const usedPercent = 100 - (usage.availableBytes * 100) / usage.capacityBytes;
  if (usedPercent < highThresholdPercent) return 0;
  return Math.max(0, Math.ceil((usage.capacityBytes * (100 - lowThresholdPercent)) / 100 - usage.availableBytes));
}

/** Unused images in removal order: least recently used first, never-used ones before them. */
export function removalOrder(images: Image[], inUse: ReadonlySet<string>): Image[] {
  return images.filter((i) => !inUse.has(i.id)).sort((a, b) => (a.lastUsed?.getTime() ?? 0) - (b.lastUsed?.getTime() ?? 0));
}

/** Runs one collection pass. */
export async function garbageCollectImages(service: Pick<ImageService, 'list' | 'remove'>, options: ImageGCOptions): Promise<ImageGCResult> {
  const high = options.highThresholdPercent ?? 85;
  const low = options.lowThresholdPercent ?? 80;
  if (!(low <= high)) throw new RangeError(`image GC low threshold (${low}%) must not exceed the high threshold (${high}%)`);
  const usage = await (options.diskUsage ?? (() => filesystemUsage(options.imagesDir)))();
  const wantedBytes = bytesToFree(usage, high, low);
  const result: ImageGCResult = { removed: [], freedBytes: 0, wantedBytes };
  if (wantedBytes === 0) return result;
  for (const image of removalOrder(await service.list(), options.inUse)) {
    if (result.freedBytes >= wantedBytes) break;
    await service.remove(image.id);
    result.removed.push(image.id);
    result.freedBytes += image.size;
  }
  return result;
}

async function filesystemUsage(dir: string | undefined): Promise<DiskUsage> {
  if (!dir) throw new Error('image GC needs imagesDir or diskUsage');
  const s = await statfs(dir);
  return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
}
