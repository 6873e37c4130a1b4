/**
 * Object metadata the server owns: uid, creationTimestamp, generateName, generation, and the
 * fields an update may not change. Time and randomness are injected so tests can pin them.
 */
import type { KObject } from './object-store.ts';

/** Upstream's alphabet for generateName suffixes: no vowels, no confusable digits. */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateNameSuffix(random: () => number = Math.random, length = 5): string {
  let s = '';
  for (let i = 0; i < length; i++) s += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)];
  return s;
}

/** Everything a spec change is measured on: the object without metadata and status. */
export function specOf(obj: KObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest);
}

/** Metadata a client cannot set on create; cleared before the server fills its own. */
export function resetServerOwnedMetadata(meta: KObject): void {
  delete meta.uid;
  delete meta.creationTimestamp;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.generation;
  delete meta.selfLink;
  delete meta.managedFields;
}

/** Copies the server-owned metadata an update keeps from the stored object. */
export function carryOverMetadata(meta: KObject, old: KObject): void {
  meta.uid = old.uid;
  meta.creationTimestamp = old.creationTimestamp;
  if (old.deletionTimestamp !== undefined) meta.deletionTimestamp = old.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
  else delete meta.deletionGracePeriodSeconds;
  if (old.generation !== undefined) meta.generation = old.generation;
  else delete meta.generation;
  delete meta.selfLink;
  if (old.managedFields !== undefined) meta.managedFields = old.managedFields;
  else delete meta.managedFields;
}

/** Metadata fields Go serialises with omitempty: an empty map or list is not stored. */
const OMIT_WHEN_EMPTY = ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields'];

export function dropEmptyMetadata(meta: KObject): void {
  for (const f of OMIT_WHEN_EMPTY) {
    const v = meta[f];
    if (v === null || (Array.isArray(v) && v.length === 0) || (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) delete meta[f];
  }
  if (meta.generateName === '') delete meta.generateName;
}
