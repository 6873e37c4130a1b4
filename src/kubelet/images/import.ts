/**
 * Imports image archives into the store: `docker save` tarballs (manifest.json, repositories)
 * and OCI image layouts (oci-layout, index.json, blobs/), gzip-compressed or not. An archive that
 * is both (as docker 25+ writes) is read as an OCI layout. The archive streams through once:
 * its files become blobs as they pass, then the layers are unpacked from the blobs.
 */
import { rm, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { openDecompressed, sniffCompression } from './compression.ts';
import { hostArchitecture, ManifestError, MediaTypes, parseImageConfig, parseManifest, selectPlatform, type Descriptor } from './manifest.ts';
import { formatReference, parseReference } from './reference.ts';
import { CONTAINERD_NAME, OCI_REF_NAME, type ImageRecord, type ImageStore } from './store.ts';
import { readTar } from './tar-reader.ts';

/** The archive is not a docker-save or OCI-layout tarball, or refers to files it lacks. */
export class ImageArchiveError extends Error {
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.name = 'ImageArchiveError';
  }
}

const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const METADATA_FILES = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);
/** Legacy per-layer files of old `docker save` archives: nothing to keep. */
const LEGACY_FILES = /(^|\/)(json|VERSION)$/;
const OCI_BLOB_PATH = /^blobs\/(sha256)\/([a-f0-9]{64})$/;

interface DockerSaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** Imports every image in the archive; returns their records. */
export async function importArchive(store: ImageStore, file: string): Promise<ImageRecord[]> {
  const metadata = new Map<string, Buffer>();
  const files = new Map<string, string>();
  const written: string[] = [];
  const links = new Map<string, string>();
  const archive = await openDecompressed(file).catch((err: Error) => {
    throw new ImageArchiveError(file, err.message, { cause: err });
  });
  try {
    for await (const { entry, body } of readTar(archive)) {
      const path = entry.path.replace(/^(\.\/)+/, '');
      // Older `docker save` archives share a layer between images with symlinks (x/layer.tar -> ../y/layer.tar).
      if (entry.type === 'symlink') links.set(path, posix.normalize(posix.join(posix.dirname(path), entry.linkname)));
      if (entry.type !== 'file') continue;
      if (METADATA_FILES.has(path)) {
        metadata.set(path, await collect(body));
      } else if (!LEGACY_FILES.test(path)) {
        const oci = OCI_BLOB_PATH.exec(path);
        const { digest } = await store.writeBlob(body, oci ? `${oci[1]}:${oci[2]}` : undefined);
        files.set(path, digest);
        written.push(digest);
      }
    }
    const images = metadata.has('index.json') ? await importOciLayout(store, file, metadata.get('index.json')!) : await importDockerSave(store, file, metadata, files, links);
    if (images.length === 0) throw new ImageArchiveError(file, 'the archive holds no image');
    return images;
  } catch (err) {
    if (err instanceof ImageArchiveError) throw err;
    throw new ImageArchiveError(file, err instanceof Error ? err.message : String(err), { cause: err });
  } finally {
    archive.destroy();
    // Files no image kept (legacy extras, failed imports) do not stay in the store.
    const kept = new Set((await store.images()).flatMap((i) => i.blobs));
    for (const digest of written) if (!kept.has(digest)) await rm(store.blobPath(digest), { force: true });
  }
}

async function importDockerSave(
  store: ImageStore,
  file: string,
  metadata: Map<string, Buffer>,
  files: Map<string, string>,
  links: Map<string, string>,
): Promise<ImageRecord[]> {
  const manifest = metadata.get('manifest.json');
  if (!manifest) throw new ImageArchiveError(file, 'not an image archive: it has neither manifest.json (docker save) nor index.json (OCI layout)');
  const entries = JSON.parse(manifest.toString()) as DockerSaveEntry[];
  const blobOf = (path: string) => {
    const digest = files.get(path) ?? files.get(links.get(path) ?? '');
    if (!digest) throw new ImageArchiveError(file, `manifest.json names ${path}, which the archive does not hold`);
    return digest;
  };
  const images: ImageRecord[] = [];
  for (const entry of entries) {
    const configDigest = blobOf(entry.Config);
    const layerDigests = entry.Layers.map(blobOf);
    const manifestDigest = await writeManifest(store, configDigest, layerDigests);
    images.push(await addImage(store, { configDigest, layerDigests, names: entry.RepoTags ?? [], blobs: [manifestDigest, configDigest, ...layerDigests], manifestDigest }));
  }
  return images;
}

async function importOciLayout(store: ImageStore, file: string, indexJson: Buffer): Promise<ImageRecord[]> {
  const index = parseManifest(indexJson);
  if (index.kind !== 'index') throw new ImageArchiveError(file, 'index.json is not an image index');
  const images: ImageRecord[] = [];
  for (const descriptor of index.manifests) {
    const names = imageNames(descriptor);
    const blobs = [descriptor.digest];
    let manifestDigest = descriptor.digest;
    let doc = parseManifest(await blob(store, file, manifestDigest), descriptor.mediaType);
    if (doc.kind === 'index') {
      const chosen = selectPlatform(doc.manifests);
      if (!chosen) throw new ImageArchiveError(file, `no linux/${hostArchitecture()} image in ${descriptor.digest}`);
      manifestDigest = chosen.digest;
      blobs.push(manifestDigest);
      doc = parseManifest(await blob(store, file, manifestDigest), chosen.mediaType);
      if (doc.kind !== 'manifest') throw new ManifestError(`${manifestDigest} is not an image manifest`);
    }
    const layerDigests = doc.layers.map((l) => l.digest);
    blobs.push(doc.config.digest, ...layerDigests);
    images.push(await addImage(store, { configDigest: doc.config.digest, layerDigests, names, blobs, manifestDigest }));
  }
  return images;
}

/** An OCI descriptor's image name: containerd's full-name annotation, or ref.name when it is a full reference rather than a bare tag. */
function imageNames(descriptor: Descriptor): string[] {
  const full = descriptor.annotations?.[CONTAINERD_NAME];
  if (full) return [full];
  const ref = descriptor.annotations?.[OCI_REF_NAME];
  return ref && /[/:@]/.test(ref) ? [ref] : [];
}

async function addImage(
  store: ImageStore,
  image: { configDigest: string; layerDigests: string[]; names: string[]; blobs: string[]; manifestDigest: string },
): Promise<ImageRecord> {
  const config = parseImageConfig(await store.readBlob(image.configDigest));
  if (config.diffIds.length !== image.layerDigests.length) {
    throw new ManifestError(`image ${image.configDigest} lists ${image.layerDigests.length} layers but its config has ${config.diffIds.length} diff_ids`);
  }
  for (const [i, diffId] of config.diffIds.entries()) await store.ensureLayer(diffId, store.blobPath(image.layerDigests[i]));
  const repoTags = image.names.flatMap((name) => {
    try {
      return [formatReference(parseReference(name))];
    } catch {
      return [];
    }
  });
  return store.addImage({
    id: image.configDigest,
    repoTags,
    repoDigests: [],
    manifestDigest: image.manifestDigest,
    diffIds: config.diffIds,
    blobs: image.blobs,
    config: config.runtime,
    lastUsed: new Date().toISOString(),
  });
}

/** `docker save` archives carry no manifest: make the OCI one a registry would serve, so the store stays an OCI layout. */
async function writeManifest(store: ImageStore, configDigest: string, layerDigests: string[]): Promise<string> {
  const descriptor = async (digest: string, mediaType: string) => ({ mediaType, digest, size: (await stat(store.blobPath(digest))).size });
  const layers = [];
  for (const digest of layerDigests) {
    const gzip = (await sniffCompression(store.blobPath(digest))) === 'gzip';
    layers.push(await descriptor(digest, gzip ? OCI_LAYER_GZIP : OCI_LAYER));
  }
  const manifest = { schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: await descriptor(configDigest, OCI_CONFIG), layers };
  return (await store.writeBlob(Buffer.from(JSON.stringify(manifest)))).digest;
}

async function blob(store: ImageStore, file: string, digest: string): Promise<Buffer> {
  if (!(await store.hasBlob(digest))) throw new ImageArchiveError(file, `index refers to blob ${digest}, which the archive does not hold`);
  return store.readBlob(digest);
}

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
