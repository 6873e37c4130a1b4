/**
 * Reads a file out of an image without a container: from the topmost unpacked layer that has
 * it (a whiteout, a character device in overlay format, hides it). The kubelet needs the
 * image's /etc/passwd and /etc/group to turn a USER name into ids.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The content of `path` (relative to /) in the image whose layers are `layers` (lowest first), or
 * undefined. Synchronous: small files on the node's disk, read for each container started.
 */
export async function readImageFile(layers: string[], path: string): Promise<string | undefined> {
  for (const layer of [...layers].reverse()) {
    const file = join(layer, path);
    let info;
    try {
      info = statSync(file);
    } catch {
      continue;
    }
    if (!info.isFile()) return undefined;
    return readFileSync(file, 'utf8');
  }
  return undefined;
}
