/**
 * Opens a layer or archive file as a stream of uncompressed bytes: gzip is recognised by its
 * magic number (layers and archives name their compression unreliably), plain tar passes through.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** The file's content, gunzipped when gzip-compressed; zstd is refused (Node 20 has no zstd). */
export async function openDecompressed(file: string): Promise<Readable> {
  const compression = await sniffCompression(file);
  if (compression === 'zstd') throw new Error(`${file}: zstd-compressed content is not supported; use gzip`);
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  if (compression === 'none') return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

/** The file's compression, from its first bytes. */
export async function sniffCompression(file: string): Promise<'gzip' | 'zstd' | 'none'> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    const starts = (magic: number[]) => bytesRead >= magic.length && magic.every((b, i) => buffer[i] === b);
    return starts(GZIP_MAGIC) ? 'gzip' : starts(ZSTD_MAGIC) ? 'zstd' : 'none';
  } finally {
    await handle.close();
  }
}
