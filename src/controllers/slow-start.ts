/**
 * Slow-start batching (upstream's slowStartBatch): calls `fn` `count` times in batches of
 * `initialBatchSize`, doubling after each batch that fully succeeds, and stops at the first
 * batch with a failure. A template the API server rejects therefore costs one request, not
 * hundreds, while a healthy one still reaches large counts in a few round trips.
 */
export interface SlowStartResult {
  successes: number;
  /** The first failure, when a batch failed. */
  error?: unknown;
}

export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.length - results.filter((r) => r.status === 'rejected').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
  }
  return { successes };
}
