/**
 * A streaming tar reader for image layers and image archives: ustar, pax extended headers
 * (`x`, and `g` for defaults) and GNU long names/links (`L`, `K`), with base-256 numbers for
 * large sizes and ids. Entries come one at a time; each entry's body must be read (or is skipped)
 * before the next one is produced, so a layer of any size streams through in constant memory.
 */

/** One archive member, with pax and GNU extensions already applied. */
export interface TarEntry {
  /** The member's path as written (no trailing slash). */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';
  /** Permission bits, including setuid/setgid/sticky. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch; pax headers may give fractions. */
  mtime: number;
  size: number;
  /** Symlink target or hardlink source. */
  linkname: string;
  devmajor: number;
  devminor: number;
}

/** The archive is not a tar stream, or is cut short. */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

const BLOCK = 512;

const TYPES: Record<string, TarEntry['type']> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
};

/**
 * Yields the archive's entries with their bodies. The body iterable is valid only until the
 * next entry is requested; whatever was not read of it is skipped.
 */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<{ entry: TarEntry; body: AsyncIterable<Buffer> }> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  let globalPax: Record<string, string> = {};
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await reader.read(BLOCK, true);
    if (!block || isZero(block)) return;
    const header = parseHeader(block);
    const padded = Math.ceil(header.size / BLOCK) * BLOCK;
    switch (header.typeflag) {
      case 'x':
        pax = parsePax(await reader.read(padded));
        continue;
      case 'g':
        globalPax = { ...globalPax, ...parsePax(await reader.read(padded)) };
        continue;
      case 'L':
        longName = cString((await reader.read(padded)).subarray(0, header.size));
        continue;
      case 'K':
        longLink = cString((await reader.read(padded)).subarray(0, header.size));
        continue;
    }
    const type = TYPES[header.typeflag];
    if (!type) throw new TarFormatError(`unsupported tar entry type '${header.typeflag}' for ${header.name}`);
    const ext = { ...globalPax, ...pax };
    const size = ext.size !== undefined ? Number(ext.size) : header.size;
    const entry: TarEntry = {
      path: (ext.path ?? longName ?? header.name).replace(/\/+$/, ''),
      type,
      mode: header.mode & 0o7777,
      uid: ext.uid !== undefined ? Number(ext.uid) : header.uid,
      gid: ext.gid !== undefined ? Number(ext.gid) : header.gid,
      mtime: ext.mtime !== undefined ? Number(ext.mtime) : header.mtime,
      size: type === 'file' ? size : 0,
      linkname: ext.linkpath ?? longLink ?? header.linkname,
      devmajor: header.devmajor,
      devminor: header.devminor,
    };
    pax = {};
    longName = longLink = undefined;
    // Hardlinks and others may declare a size but carry no data in practice; honour the header.
    const dataSize = type === 'file' ? size : header.size;
    let remaining = dataSize;
    const body = (async function* () {
      while (remaining > 0) {
        const chunk = await reader.readSome(remaining);
        remaining -= chunk.length;
        yield chunk;
      }
    })();
    yield { entry, body };
    while (remaining > 0) remaining -= (await reader.readSome(remaining)).length;
    await reader.read(Math.ceil(dataSize / BLOCK) * BLOCK - dataSize);
  }
}

interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  devmajor: number;
  devminor: number;
}

function parseHeader(block: Buffer): RawHeader {
  const stored = number(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  if (sum !== stored) throw new TarFormatError('invalid tar header (checksum mismatch): not a tar archive, or a corrupt one');
  const magic = block.toString('latin1', 257, 263);
  let name = cString(block.subarray(0, 100));
  // ustar (and pax) keep a path prefix; GNU tar uses that area for other fields.
  if (magic === 'ustar\0') {
    const prefix = cString(block.subarray(345, 500));
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    mode: number(block, 100, 8),
    uid: number(block, 108, 8),
    gid: number(block, 116, 8),
    size: number(block, 124, 12),
    mtime: number(block, 136, 12),
    typeflag: String.fromCharCode(block[156]),
    linkname: cString(block.subarray(157, 257)),
    devmajor: number(block, 329, 8),
    devminor: number(block, 337, 8),
  };
}

/** Octal, or GNU base-256 when the high bit of the first byte is set. */
function number(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (field[0] & 0x80) {
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  const text = field.toString('latin1').replace(/[\0 ].*$/s, '').trim();
  return text ? parseInt(text, 8) : 0;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end === -1 ? bytes.length : end);
}

/** pax records: `LENGTH key=value\n`, LENGTH counting the whole record. */
function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length && data[offset] !== 0) {
    const space = data.indexOf(0x20, offset);
    const length = parseInt(data.toString('latin1', offset, space), 10);
    if (space === -1 || !(length > 0)) throw new TarFormatError('invalid pax extended header');
    const record = data.toString('utf8', space + 1, offset + length - 1);
    const eq = record.indexOf('=');
    records[record.slice(0, eq)] = record.slice(eq + 1);
    offset += length;
  }
  return records;
}

function isZero(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** Exact-length and bounded reads over an async iterator of chunks. */
class ByteReader {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  /** Exactly n bytes; at a clean end of input returns undefined when allowEnd, else throws. */
  async read(n: number): Promise<Buffer>;
  async read(n: number, allowEnd: true): Promise<Buffer | undefined>;
  async read(n: number, allowEnd = false): Promise<Buffer | undefined> {
    while (this.pending.length < n) {
      const next = await this.chunks.next();
      if (next.done) {
        if (allowEnd && this.pending.length === 0) return undefined;
        throw new TarFormatError('unexpected end of tar archive');
      }
      this.pending = this.pending.length ? Buffer.concat([this.pending, next.value]) : next.value;
    }
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    return out;
  }

  /** Between 1 and max bytes, whatever is at hand. */
  async readSome(max: number): Promise<Buffer> {
    if (this.pending.length === 0) {
      const next = await this.chunks.next();
      if (next.done) throw new TarFormatError('unexpected end of tar archive');
      this.pending = next.value;
    }
    const out = this.pending.subarray(0, Math.min(max, this.pending.length));
    this.pending = this.pending.subarray(out.length);
    return out;
  }
}
