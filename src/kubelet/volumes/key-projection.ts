/**
 * configMap and secret volumes (and their projected forms): which keys become which files.
 * Without items every key is a file named after it; with items only the listed keys, at the
 * listed paths, with their own modes. A listed key that is missing fails the volume unless
 * the source is optional.
 */
import type { KeyToPath } from 'kubernetes-types/core/v1.js';
import type { Payload } from './atomic-writer.ts';
import { VolumeSourceError } from './errors.ts';

/** The mode files get when neither the volume nor the item sets one (0644). */
export const DEFAULT_FILE_MODE = 0o644;

export interface KeySource {
  items?: KeyToPath[];
  optional?: boolean;
}

/** Adds the files for `data` (key → bytes) to `payload`; `missingKey` words the error for an absent listed key. */
export function projectKeys(payload: Payload, data: Map<string, Buffer>, source: KeySource, defaultMode: number, missingKey: (key: string) => string): void {
  if (!source.items?.length) {
    for (const [key, content] of data) payload.set(key, { content, mode: defaultMode });
    return;
  }
  for (const item of source.items) {
    const content = data.get(item.key);
    if (!content) {
      if (source.optional) continue;
      throw new VolumeSourceError(missingKey(item.key));
    }
    payload.set(item.path, { content, mode: item.mode ?? defaultMode });
  }
}

/** A ConfigMap's data and binaryData as bytes. */
export function configMapBytes(cm: { data?: Record<string, string>; binaryData?: Record<string, string> }): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

/** A Secret's data (base64 on the wire) and stringData as bytes. */
export function secretBytes(secret: { data?: Record<string, string>; stringData?: Record<string, string> }): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) out.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  return out;
}
