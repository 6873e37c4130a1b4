/**
 * Runs image garbage collection every five minutes (upstream's image GC period): when the
 * image filesystem passes its high-water mark, images no container on the node uses are
 * removed, least recently used first (kubelet-images' garbageCollectImages decides which).
 */
import { join } from 'node:path';
import type { Clock } from '../client/index.ts';
import { garbageCollectImages, type ImageService } from './images/index.ts';
import type { ContainerRuntime } from './runtime/runtime.ts';

export interface ImageGCManagerOptions {
  images: Pick<ImageService, 'list' | 'remove'>;
  runtime: Pick<ContainerRuntime, 'listContainers'>;
  rootDir: string;
  clock: Clock;
  /** Default 5 minutes. */
  periodMs?: number;
  log: (line: string) => void;
}

export class ImageGCManager {
  private cancel?: () => void;
  private stopped = false;

  constructor(private readonly o: ImageGCManagerOptions) {}

  start(): void {
    const tick = async () => {
      await this.collect().catch((err) => this.o.log(`image garbage collection failed: ${err instanceof Error ? err.message : String(err)}`));
      if (!this.stopped) this.cancel = this.o.clock.setTimer(this.o.periodMs ?? 300_000, () => void tick());
    };
    this.cancel = this.o.clock.setTimer(this.o.periodMs ?? 300_000, () => void tick());
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  /** One pass; images of every container the runtime has (running or exited) are kept. */
  async collect(): Promise<void> {
    const inUse = new Set((await this.o.runtime.listContainers()).map((c) => c.imageId));
    const result = await garbageCollectImages(this.o.images, { inUse, imagesDir: join(this.o.rootDir, 'images') });
    if (result.removed.length) this.o.log(`image garbage collection removed ${result.removed.length} image(s), ${result.freedBytes} bytes`);
  }
}
