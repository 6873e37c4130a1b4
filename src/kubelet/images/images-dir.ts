/**
 * Air-gapped installs: image tarballs dropped in DATA_DIR/agent/images/ are imported when the
 * node agent starts (as k3s does with its agent/images directory). Importing again is cheap —
 * blobs and layers already in the store are not unpacked twice.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Image, ImageService } from './image-service.ts';

const ARCHIVE_NAME = /\.(tar|tar\.gz|tgz)$/;

export interface ImagesDirResult {
  imported: Image[];
  /** Archives that could not be imported, with why; the others are imported regardless. */
  failed: Array<{ file: string; error: Error }>;
}

/** Imports every `*.tar`, `*.tar.gz` and `*.tgz` in `dir`, in name order; a missing dir imports nothing. */
export async function importImagesDir(service: Pick<ImageService, 'importTarball'>, dir: string): Promise<ImagesDirResult> {
  const result: ImagesDirResult = { imported: [], failed: [] };
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && ARCHIVE_NAME.test(e.name)).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw err;
  }
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      result.imported.push(...(await service.importTarball(file)));
    } catch (err) {
      result.failed.push({ file, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }
  return result;
}
