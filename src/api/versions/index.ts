/**
 * Resources served at more than one version share one stored form (the storage version);
 * objects are converted to it on the way into storage and to the requested version on the
 * way out. Resources served at one version pass through unchanged.
 */
import type { ResourceInfo } from '../resource.ts';
import { hpaV1ToV2, hpaV2ToV1 } from './horizontalpodautoscaler.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type KObject = Record<string, any>;

interface Conversions {
  storageVersion: string;
  /** version → converters between it and the storage version. */
  versions: Record<string, { toStorage: (o: KObject) => KObject; fromStorage: (o: KObject) => KObject }>;
}

const CONVERSIONS: Record<string, Conversions> = {
  'autoscaling/horizontalpodautoscalers': { storageVersion: 'v2', versions: { v1: { toStorage: hpaV1ToV2, fromStorage: hpaV2ToV1 } } },
};

function conversionsOf(r: Pick<ResourceInfo, 'group' | 'plural' | 'version'>) {
  const c = CONVERSIONS[`${r.group}/${r.plural}`];
  return c && c.storageVersion !== r.version ? c.versions[r.version] : undefined;
}

/** An object of `r`'s version in the stored form. */
export function toStorageVersion(r: Pick<ResourceInfo, 'group' | 'plural' | 'version'>, obj: KObject): KObject {
  return conversionsOf(r)?.toStorage(obj) ?? obj;
}

/** Whether `r`'s version is the one its objects are stored in (no conversion either way). */
export function storedAsServed(r: Pick<ResourceInfo, 'group' | 'plural' | 'version'>): boolean {
  return conversionsOf(r) === undefined;
}

/** A stored object as `r`'s version. */
export function fromStorageVersion(r: Pick<ResourceInfo, 'group' | 'plural' | 'version'>, obj: KObject): KObject {
  return conversionsOf(r)?.fromStorage(obj) ?? obj;
}
