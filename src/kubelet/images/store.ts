/**
 * The image store on disk, under `rootDir/images/`:
 *   blobs/sha256/<hex>     content-addressed blobs (manifests, configs, layer tarballs), as in an OCI layout
 *   layers/<diffid hex>/   each layer unpacked once, shared by every image (and container) using it
 *   images.json            the index: image id → tags, digests, layers, config, size, last use
 *   index.json, oci-layout the same images as an OCI image layout (readable by skopeo's `oci:` transport)
 *   tmp/                   downloads and unpacks in progress; renamed into place when complete
 * A blob or layer directory exists only when complete (written aside, then renamed), so a crash
 * leaves nothing half-made in view. Blobs and layers are removed when no image refers to them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, statSync, type Stats } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImageRuntimeConfig } from './image-service.ts';
import { unpackLayer } from './layer.ts';
import { processExists } from '../process-exists.ts';

/** What the store keeps about one image (its id is the config digest). */
export interface ImageRecord {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  /** The image manifest blob (for `docker save` archives, which carry none, one made on import). */
  manifestDigest: string;
  /** Layer diff_ids, lowest first. */
  diffIds: string[];
  /** Every blob this image keeps in blobs/ (config, manifest, index, layer tarballs). */
  blobs: string[];
  /** Bytes of the unpacked layers. */
  size: number;
  config: ImageRuntimeConfig;
  /** ISO time of the last use (pull, import or a container start). */
  lastUsed: string;
}

interface StoreIndex {
  images: Record<string, ImageRecord>;
  /** Unpacked size per layer diff_id. */
  layers: Record<string, number>;
}

/** A digest that does not match the content it names. */
export class DigestMismatchError extends Error {
  constructor(what: string, expected: string, actual: string) {
    super(`${what}: digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

/** Unreferenced blobs and layers younger than this may belong to another process's pull. */
const ORPHAN_AGE_MS = 60 * 60 * 1000;
const LOCK_RETRY_MS = 10;
const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** Annotations that name an image in an OCI layout (containerd's full name; the OCI tag). */
export const CONTAINERD_NAME = 'io.containerd.image.name';
export const OCI_REF_NAME = 'org.opencontainers.image.ref.name';

/** The content-addressed blob and layer store with its index; one per node. */
export class ImageStore {
  /** The store's directory (rootDir/images). */
  readonly dir: string;
  private queue: Promise<unknown> = Promise.resolve();
  /** The index as last parsed, and which file it was (see currentIndex). */
  private parsed?: { ino: number; mtimeMs: number; size: number; index: StoreIndex };
  private readonly unpacking = new Map<string, Promise<number>>();

  /** `imagesDir` is `rootDir/images`. */
  constructor(imagesDir: string) {
    this.dir = imagesDir;
  }

  /** Creates the layout and clears what interrupted pulls and imports left behind. */
  async init(): Promise<void> {
    await Promise.all([mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true }), mkdir(join(this.dir, 'layers'), { recursive: true }), mkdir(this.tmpDir, { recursive: true })]);
    await writeFile(join(this.dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await this.removeLeftovers();
  }

  /** Where a blob lives (whether or not it is there yet); refuses digests that are not sha256. */
  blobPath(digest: string): string {
    return join(this.dir, 'blobs', ...checkedDigest(digest).split(':'));
  }

  /** Where a layer is unpacked: an overlay lower dir. */
  layerPath(diffId: string): string {
    return join(this.dir, 'layers', checkedDigest(diffId).slice('sha256:'.length));
  }

  /** Whether the blob is stored. */
  async hasBlob(digest: string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  /** A (small) blob's content: manifests and configs. */
  async readBlob(digest: string): Promise<Buffer> {
    return readFile(this.blobPath(digest));
  }

  /**
   * Stores content as a blob, hashing it on the way; when `expected` is given the content must
   * match it (DigestMismatchError otherwise). Returns its digest and size.
   */
  async writeBlob(content: Buffer | AsyncIterable<Buffer>, expected?: string): Promise<{ digest: string; size: number }> {
    const tmp = this.tmpPath();
    const hash = createHash('sha256');
    let size = 0;
    const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
      const digest = `sha256:${hash.digest('hex')}`;
      if (expected && expected !== digest) throw new DigestMismatchError(`blob ${expected}`, expected, digest);
      await rename(tmp, this.blobPath(digest));
      return { digest, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * Unpacks the layer blob into layers/<diffid>/ unless it is there already; checks the
   * uncompressed content against diffId. Concurrent calls for one layer share the work.
   * Returns the unpacked size.
   */
  async ensureLayer(diffId: string, blobFile: string): Promise<number> {
    const known = (await this.readIndex()).layers[diffId];
    if (known !== undefined && (await exists(this.layerPath(diffId)))) return known;
    let job = this.unpacking.get(diffId);
    if (!job) {
      job = this.unpack(diffId, blobFile).finally(() => this.unpacking.delete(diffId));
      this.unpacking.set(diffId, job);
    }
    return job;
  }

  /** Whether the layer is unpacked already (so its blob need not be fetched). */
  async hasLayer(diffId: string): Promise<boolean> {
    return (await this.readIndex()).layers[diffId] !== undefined && (await exists(this.layerPath(diffId)));
  }

  /** All images in the index. */
  async images(): Promise<ImageRecord[]> {
    return Object.values((await this.currentIndex()).images);
  }

  /**
   * Records an image. Its tags move to it from any image that had them (as `docker tag` does);
   * an image already known (same id) gains the new tags and digests.
   */
  async addImage(record: Omit<ImageRecord, 'size'>): Promise<ImageRecord> {
    return this.update(async (index) => {
      for (const diffId of record.diffIds) {
        if (index.layers[diffId] === undefined || !(await exists(this.layerPath(diffId)))) throw new Error(`layer ${diffId} of image ${record.id} is missing; pull again`);
      }
      for (const other of Object.values(index.images)) {
        if (other.id === record.id) continue;
        other.repoTags = other.repoTags.filter((t) => !record.repoTags.includes(t));
      }
      const previous = index.images[record.id];
      const merged: ImageRecord = {
        ...record,
        repoTags: union(previous?.repoTags, record.repoTags),
        repoDigests: union(previous?.repoDigests, record.repoDigests),
        blobs: union(previous?.blobs, record.blobs),
        size: record.diffIds.reduce((sum, d) => sum + index.layers[d], 0),
      };
      index.images[record.id] = merged;
      await this.writeOciIndex(index);
      return merged;
    });
  }

  /** Sets an image's last use to now. */
  async touch(id: string, now = new Date()): Promise<void> {
    await this.update(async (index) => {
      const image = index.images[id];
      if (image) image.lastUsed = now.toISOString();
    });
  }

  /**
   * Removes one tag or digest reference from an image; when `whole` or when the image has no
   * tags left, removes the image and every blob and layer no other image uses.
   */
  async untag(id: string, reference: string | undefined, whole: boolean): Promise<void> {
    const orphans = await this.update(async (index) => {
      const image = index.images[id];
      if (!image) return { blobs: [], layers: [] };
      image.repoTags = image.repoTags.filter((t) => t !== reference);
      image.repoDigests = image.repoDigests.filter((d) => d !== reference);
      if (!whole && image.repoTags.length > 0) return { blobs: [], layers: [] };
      delete index.images[id];
      const others = Object.values(index.images);
      const blobs = image.blobs.filter((b) => !others.some((o) => o.blobs.includes(b)));
      const layers = image.diffIds.filter((d) => !others.some((o) => o.diffIds.includes(d)));
      for (const d of layers) delete index.layers[d];
      await this.writeOciIndex(index);
      return { blobs, layers };
    });
    // Out of view first (rename), then deleted: a crash never leaves a half-deleted layer in place.
    for (const digest of orphans.blobs) await rm(this.blobPath(digest), { force: true });
    for (const diffId of orphans.layers) {
      const doomed = this.tmpPath();
      await rename(this.layerPath(diffId), doomed).catch(() => undefined);
      await rm(doomed, { recursive: true, force: true });
    }
  }

  private async unpack(diffId: string, blobFile: string): Promise<number> {
    const tmp = this.tmpPath();
    try {
      const { diffId: actual, size } = await unpackLayer(blobFile, tmp);
      if (actual !== diffId) throw new DigestMismatchError(`layer ${diffId}`, diffId, actual);
      try {
        await rename(tmp, this.layerPath(diffId));
      } catch (err) {
        // Another process finished the same layer first; a layer dir only appears complete, so keep it.
        if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      }
      await this.update(async (index) => {
        index.layers[diffId] = size;
      });
      return size;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** index.json of the OCI layout: each image's manifest once per tag (once untagged when it has none). */
  private async writeOciIndex(index: StoreIndex): Promise<void> {
    const manifests = [];
    for (const image of Object.values(index.images)) {
      const body = await this.readBlob(image.manifestDigest);
      const mediaType = (JSON.parse(body.toString()) as { mediaType?: string }).mediaType ?? OCI_MANIFEST;
      const descriptor = { mediaType, digest: image.manifestDigest, size: body.length };
      if (image.repoTags.length === 0) manifests.push(descriptor);
      for (const tag of image.repoTags) {
        manifests.push({ ...descriptor, annotations: { [CONTAINERD_NAME]: tag, [OCI_REF_NAME]: tag.slice(tag.lastIndexOf(':') + 1) } });
      }
    }
    const tmp = this.tmpPath();
    await writeFile(tmp, JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
    await rename(tmp, join(this.dir, 'index.json'));
  }

  /**
   * Temp dirs of processes that are gone, and blobs and layers of pulls or imports that failed
   * half-way (nothing refers to them). Other processes (`skiff image` beside the kubelet) may be
   * mid-pull, so only their dead owners' temp dirs go, and only unreferenced content older than
   * ORPHAN_AGE_MS.
   */
  private async removeLeftovers(): Promise<void> {
    for (const pid of await readdir(join(this.dir, 'tmp'))) {
      if (!processExists(Number(pid))) await rm(join(this.dir, 'tmp', pid), { recursive: true, force: true });
    }
    const images = await this.images();
    const blobs = new Set(images.flatMap((i) => i.blobs));
    const layers = new Set(images.flatMap((i) => i.diffIds));
    const old = async (path: string) => Date.now() - (await stat(path)).mtimeMs > ORPHAN_AGE_MS;
    for (const hex of await readdir(join(this.dir, 'blobs', 'sha256'))) {
      const path = join(this.dir, 'blobs', 'sha256', hex);
      if (!blobs.has(`sha256:${hex}`) && (await old(path))) await rm(path, { force: true });
    }
    for (const hex of await readdir(join(this.dir, 'layers'))) {
      const path = join(this.dir, 'layers', hex);
      if (layers.has(`sha256:${hex}`) || !(await old(path))) continue;
      await this.update(async (index) => {
        delete index.layers[`sha256:${hex}`];
      });
      await rm(path, { recursive: true, force: true });
    }
  }

  /** Per process, so a second process never clears another's work in progress. */
  private get tmpDir(): string {
    return join(this.dir, 'tmp', String(process.pid));
  }

  private tmpPath(): string {
    return join(this.tmpDir, randomBytes(8).toString('hex'));
  }

  private get indexPath(): string {
    return join(this.dir, 'images.json');
  }

  /**
   * Serialises index updates across processes (`skiff image` beside the kubelet): a lock file
   * made with O_EXCL holding the owner's pid; a dead owner's lock is taken over.
   */
  private async withIndexLock<T>(work: () => Promise<T>): Promise<T> {
    const lock = `${this.indexPath}.lock`;
    for (;;) {
      try {
        await writeFile(lock, String(process.pid), { flag: 'wx' });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = Number(await readFile(lock, 'utf8').catch(() => ''));
        if (owner && !processExists(owner)) await rm(lock, { force: true });
        else await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
      }
    }
    try {
      return await work();
    } finally {
      await rm(lock, { force: true });
    }
  }

  /**
   * A copy of the index to read, parsed again only when the file has changed. The kubelet reads
   * it for every container it creates and every pod status it reports, while the file changes
   * only with pulls, imports and removals — always by rename, so a new inode, and a new mtime
   * and size say so.
   */
  private async currentIndex(): Promise<StoreIndex> {
    let file: Stats;
    try {
      file = statSync(this.indexPath);
    } catch {
      return this.readIndex();
    }
    const parsed = this.parsed;
    if (!parsed || parsed.ino !== file.ino || parsed.mtimeMs !== file.mtimeMs || parsed.size !== file.size) {
      const index = await this.readIndex();
      this.parsed = { ino: file.ino, mtimeMs: file.mtimeMs, size: file.size, index };
      return structuredClone(index);
    }
    return structuredClone(parsed.index);
  }

  private async readIndex(): Promise<StoreIndex> {
    try {
      return JSON.parse(await readFile(this.indexPath, 'utf8')) as StoreIndex;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { images: {}, layers: {} };
      throw err;
    }
  }

  /** Read-modify-write of the index, one at a time, written atomically (temp file + rename). */
  private update<T>(change: (index: StoreIndex) => Promise<T>): Promise<T> {
    const run = this.queue.then(() =>
      this.withIndexLock(async () => {
        const index = await this.readIndex();
        const result = await change(index);
        const tmp = this.tmpPath();
        await writeFile(tmp, JSON.stringify(index));
        await rename(tmp, this.indexPath);
        return result;
      }),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function checkedDigest(digest: string): string {
  // Digests come from registries and archives: never let one become a path outside blobs/.
  if (!DIGEST_PATTERN.test(digest)) throw new Error(`unsupported digest "${digest}" (only sha256 is supported)`);
  return digest;
}

function union(a: string[] | undefined, b: string[]): string[] {
  return [...new Set([...(a ?? []), ...b])];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
