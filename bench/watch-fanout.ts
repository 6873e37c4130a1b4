/**
 * Watch fan-out: many watchers on one collection, one write, and how long until every watcher has
 * the event. The API server's watch cache should make this one store watch and N socket writes.
 */
import { performance } from 'node:perf_hooks';
import type { AdminClient } from './admin-client.ts';
import { quantile } from './load.ts';

export interface FanoutResult {
  watchers: number;
  /** Time to open every watch (TLS handshake included), in ms. */
  openMs: number;
  /** How many watchers got the event before the deadline. */
  delivered: number;
  /** From sending the create to the event reaching the median and the last watcher, ms. */
  p50Ms: number;
  lastMs: number;
}

/**
 * Opens `watchers` watches on `namespace`'s ConfigMaps, creates one ConfigMap, and times its
 * ADDED event reaching each watcher.
 */
export async function measureWatchFanout(
  client: AdminClient,
  namespace: string,
  watchers: number,
  options: { timeoutMs?: number } = {},
): Promise<FanoutResult> {
  const collection = `/api/v1/namespaces/${namespace}/configmaps`;
  const list = await client.request('GET', `${collection}?limit=1`);
  if (list.status !== 200) throw new Error(`list before watch: ${list.status} ${list.body}`);
  const fromVersion = JSON.parse(list.body).metadata.resourceVersion as string;
  const marker = `"name":"fanout-event"`;

  let writeSentAt = 0;
  const arrivals: number[] = [];
  const closers: (() => void)[] = [];
  let opened = 0;
  let failure: Error | undefined;
  const openStarted = performance.now();
  let allOpen!: () => void;
  const allOpened = new Promise<void>((resolve) => (allOpen = resolve));
  let allArrived!: () => void;
  const everyoneHasIt = new Promise<void>((resolve) => (allArrived = resolve));

  for (let i = 0; i < watchers; i++) {
    let buffer = '';
    let seen = false;
    closers.push(
      client.stream(`${collection}?watch=1&resourceVersion=${fromVersion}&timeoutSeconds=300`, {
        onResponse(status) {
          if (status !== 200) failure ??= new Error(`watch answered ${status}`);
          if (++opened === watchers) allOpen();
        },
        onData(chunk) {
          if (seen) return;
          buffer += chunk;
          if (buffer.includes(marker)) {
            seen = true;
            arrivals.push(performance.now() - writeSentAt);
            if (arrivals.length === watchers) allArrived();
          }
        },
        onError(err) {
          failure ??= err;
          if (++opened === watchers) allOpen();
        },
      }),
    );
  }
  try {
    await allOpened;
    const openMs = performance.now() - openStarted;
    if (failure) throw failure;

    writeSentAt = performance.now();
    const created = await client.request('POST', collection, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fanout-event' } });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${created.body}`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([everyoneHasIt, new Promise((resolve) => (timer = setTimeout(resolve, options.timeoutMs ?? 30_000)))]);
    clearTimeout(timer);

    const sorted = [...arrivals].sort((a, b) => a - b);
    return { watchers, openMs, delivered: sorted.length, p50Ms: quantile(sorted, 0.5), lastMs: sorted[sorted.length - 1] ?? NaN };
  } finally {
    for (const close of closers) close();
  }
}
