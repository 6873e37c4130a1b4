/**
 * Closed-loop load: `concurrency` clients each send their next request as soon as the last one
 * answers, until `count` operations are done or the time budget runs out. Reports the rate and
 * latency percentiles; a failed operation stops the run, since a figure over errors means nothing.
 */
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  ops: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** The q-quantile (0..1) of ascending `sorted`, nearest rank. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/**
 * @param op performs operation number `i` (0-based); it throws to report a failure
 * @param options.budgetMs stop starting new operations after this long (default 20 s)
 */
export async function runLoad(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
  options: { budgetMs?: number } = {},
): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + (options.budgetMs ?? 20_000);
  let next = 0;
  const client = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      await op(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  };
}
