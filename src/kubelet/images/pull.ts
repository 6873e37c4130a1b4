/**
 * Pulls an image from its registry into the store: the manifest (choosing linux and this
 * machine's architecture from a manifest list or OCI index), the config, and each layer not
 * already unpacked — every blob checked against its digest — then records the image under its
 * tag and its repo digest (`name@<digest of the manifest the tag named>`).
 */
import { ManifestError, parseImageConfig, parseManifest, selectPlatform, hostArchitecture } from './manifest.ts';
import { formatReference, type ImageReference } from './reference.ts';
import { RegistryClient, RegistryError, type RegistryClientOptions } from './registry-client.ts';
import type { ImageRecord, ImageStore } from './store.ts';

/** How many layers download and unpack at once. */
const LAYER_CONCURRENCY = 3;

/** Pulls `ref` into the store; throws RegistryError, ManifestError or DigestMismatchError. */
export async function pullImage(store: ImageStore, ref: ImageReference, options: RegistryClientOptions = {}): Promise<ImageRecord> {
  const client = new RegistryClient(ref.domain, ref.path, options);
  const manifest = (reference: string) => inContext(`failed to resolve reference "${formatReference(ref)}"`, client.manifest(reference));
  const blob = (digest: string) => inContext(`failed to fetch blob ${digest}`, client.blob(digest));
  const top = await manifest(ref.digest ?? ref.tag ?? 'latest');
  if (ref.digest && top.digest !== ref.digest) throw new ManifestError(`manifest digest mismatch: asked for ${ref.digest}, got ${top.digest}`);
  const blobs = [top.digest];
  await store.writeBlob(top.body, top.digest);
  let manifestDigest = top.digest;
  let doc = parseManifest(top.body, top.contentType);
  if (doc.kind === 'index') {
    const chosen = selectPlatform(doc.manifests);
    if (!chosen) throw new ManifestError(`no matching manifest for linux/${hostArchitecture()} in the manifest list entries`);
    const platformManifest = await manifest(chosen.digest);
    await store.writeBlob(platformManifest.body, chosen.digest);
    manifestDigest = chosen.digest;
    blobs.push(manifestDigest);
    doc = parseManifest(platformManifest.body, platformManifest.contentType);
    if (doc.kind !== 'manifest') throw new ManifestError(`${chosen.digest} is a nested index, not an image manifest`);
  }

  const configDigest = doc.config.digest;
  if (!(await store.hasBlob(configDigest))) await store.writeBlob(await blob(configDigest), configDigest);
  blobs.push(configDigest);
  const config = parseImageConfig(await store.readBlob(configDigest));
  if (config.diffIds.length !== doc.layers.length) {
    throw new ManifestError(`manifest lists ${doc.layers.length} layers but the image config has ${config.diffIds.length}`);
  }

  const pending = doc.layers.map((layer, i) => ({ digest: layer.digest, diffId: config.diffIds[i] }));
  const fetchLayers = async () => {
    for (let layer = pending.shift(); layer; layer = pending.shift()) {
      if (await store.hasLayer(layer.diffId)) continue;
      if (!(await store.hasBlob(layer.digest))) await store.writeBlob(await blob(layer.digest), layer.digest);
      await store.ensureLayer(layer.diffId, store.blobPath(layer.digest));
    }
  };
  await Promise.all(Array.from({ length: LAYER_CONCURRENCY }, fetchLayers));
  for (const layer of doc.layers) if (await store.hasBlob(layer.digest)) blobs.push(layer.digest);

  return store.addImage({
    id: configDigest,
    repoTags: ref.tag ? [formatReference({ ...ref, digest: undefined })] : [],
    repoDigests: [`${ref.name}@${top.digest}`],
    manifestDigest,
    diffIds: config.diffIds,
    blobs,
    config: config.runtime,
    lastUsed: new Date().toISOString(),
  });
}

/** Prefixes a registry failure with what was being fetched, keeping the registry's own message. */
async function inContext<T>(context: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof RegistryError) throw new RegistryError(`${context}: ${err.message}`, err.status, { cause: err });
    throw err;
  }
}
