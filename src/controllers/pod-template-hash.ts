/**
 * The `pod-template-hash` a Deployment gives each ReplicaSet (and its pods): a stable 32-bit
 * FNV-1a hash of the pod template, with the Deployment's collisionCount mixed in so a
 * collision can be escaped by bumping the count, written with upstream's "safe" alphabet
 * (no vowels, no look-alikes) so it never spells words. Upstream hashes Go's printed form of
 * the template; we hash its canonical JSON (sorted keys, no empty values), which is stable across restarts in
 * the same way, though the digits differ from upstream's.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Upstream's rand.SafeEncodeString alphabet. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function computePodTemplateHash(template: PodTemplateSpec, collisionCount?: number): string {
  let hash = fnv1a(0x811c9dc5, new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv1a(hash, bytes);
  }
  return safeEncode(String(hash));
}

function fnv1a(seed: number, bytes: Uint8Array): number {
  let h = seed;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

function safeEncode(s: string): string {
  return [...s].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join('');
}

/**
 * JSON with object keys sorted at every level, and with null, empty objects and empty arrays
 * left out: the API treats those as absent (a template patched back by `kubectl rollout undo`
 * carries `creationTimestamp: null`), so equal templates print equally however they were written.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(prune(value) ?? null);
}

function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => prune(v) ?? null);
    return items.length ? items : undefined;
  }
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => [k, prune((value as Record<string, unknown>)[k])] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return value === null ? undefined : value;
}
