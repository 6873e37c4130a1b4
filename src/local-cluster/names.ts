/**
 * Names of what a local cluster makes on this machine, all derived from one short random id so
 * that clusters (several test files at once, say) never collide and a sweep can tell every
 * leftover by its prefix: the bridge `skl<id>`, per host the network namespace
 * `skl<id>-<host>` and the bridge side of its veth `skl<id>v<n>`. The prefix `skl` is not a hex
 * string, so it never matches the pod network's `sk<hex>` veths.
 */
import { randomBytes } from 'node:crypto';

const PREFIX = 'skl';
const ID = /^skl([0-9a-f]{5})/;

/** A fresh cluster id: 5 hex digits. */
export function newClusterId(): string {
  return randomBytes(3).toString('hex').slice(0, 5);
}

/** The bridge every host of cluster `id` hangs on. */
export function bridgeName(id: string): string {
  return `${PREFIX}${id}`;
}

/** The network namespace of host `host`. */
export function hostNamespace(id: string, host: string): string {
  return `${PREFIX}${id}-${host}`;
}

/** The bridge side of host number `n`'s veth (at most 15 characters: Linux's limit). */
export function hostVeth(id: string, n: number): string {
  return `${PREFIX}${id}v${n}`;
}

/** The cluster id a link or namespace name belongs to, when it is one of ours. */
export function clusterIdOf(name: string): string | undefined {
  return ID.exec(name)?.[1];
}
