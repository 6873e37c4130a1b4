/**
 * Requests served by one process together, where a process per request would cost more than the
 * work it does (a node starting a hundred pods at once): requests that arrive while a batch runs
 * wait for it and then go together as the next batch; a request alone runs at once, without
 * waiting for company. Used by the node's `ip -batch` (network/ip-batcher.ts) and /dev/shm mounts
 * (runtime/mounter.ts).
 */
interface Request<T> {
  item: T;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Runs a batch's items together and names, for each item in order, the error it failed with
 * (undefined: it was done). A throw fails every item of the batch with it.
 */
export type RunBatch<T> = (items: T[]) => Promise<(Error | undefined)[]>;

export class BatchQueue<T> {
  private queue: Request<T>[] = [];
  private running = false;

  constructor(private readonly runBatch: RunBatch<T>) {}

  /** Settles once `item` has been run, in the next batch; rejects with the error its batch named for it. */
  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      let failures: (Error | undefined)[];
      try {
        failures = await this.runBatch(batch.map((r) => r.item));
      } catch (err) {
        failures = batch.map(() => err as Error);
      }
      batch.forEach((r, i) => {
        const failure = failures[i];
        if (failure) r.reject(failure);
        else r.resolve();
      });
    }
    this.running = false;
  }
}
