/**
 * The node's ImageService over the on-disk ImageStore: references are normalised as docker does
 * (`busybox` = `docker.io/library/busybox:latest`), pulls and imports fill the store, and
 * removal drops blobs and layers no other image uses. Pull failures become ImagePullErrors
 * (reason ErrImagePull) whose message says what failed with the registry's own words, e.g.
 * `failed to resolve reference "127.0.0.1:5000/busybox:nope": manifest unknown`; the kubelet
 * adds its `Failed to pull image "X": ` prefix, as upstream's image manager does.
 */
import { join } from 'node:path';
import { ImagePullError, type Image, type ImageService, type RegistryAuth } from './image-service.ts';
import { importArchive } from './import.ts';
import { pullImage } from './pull.ts';
import { formatReference, parseReference, type ImageReference } from './reference.ts';
import { ImageStore, type ImageRecord } from './store.ts';

export interface LocalImageServiceOptions {
  /** The kubelet's root (DATA_DIR/agent); the store lives in rootDir/images. */
  rootDir: string;
  /** Registry hosts (with port, as in references) reached over plain HTTP; loopback ones always are. */
  insecureRegistries?: string[];
}

/** No image in the store matches the reference. */
export class ImageNotFoundError extends Error {
  constructor(reference: string) {
    super(`No such image: ${reference}`);
    this.name = 'ImageNotFoundError';
  }
}

const ID_PREFIX = /^(sha256:)?([a-f0-9]{12,64})$/;

/** The ImageService the kubelet and `skiff image` use; one store per node, shared by both. */
export class LocalImageService implements ImageService {
  /** The store underneath (its `dir` is what image garbage collection measures). */
  readonly store: ImageStore;
  private readonly insecureRegistries: string[];
  private ready?: Promise<void>;
  private readonly pulling = new Map<string, Promise<Image>>();

  constructor(options: LocalImageServiceOptions) {
    this.store = new ImageStore(join(options.rootDir, 'images'));
    this.insecureRegistries = options.insecureRegistries ?? [];
  }

  async get(reference: string): Promise<Image | undefined> {
    await this.init();
    const record = await this.find(reference);
    return record && this.toImage(record);
  }

  /** Concurrent pulls of one reference with the same credentials share one download. */
  async pull(reference: string, options: { auth?: RegistryAuth[]; signal?: AbortSignal } = {}): Promise<Image> {
    await this.init();
    const ref = parseReference(reference);
    const key = `${formatReference(ref)} ${JSON.stringify(options.auth ?? [])}`;
    let job = this.pulling.get(key);
    if (!job) {
      job = this.pullOnce(reference, ref, options).finally(() => this.pulling.delete(key));
      this.pulling.set(key, job);
    }
    return job;
  }

  async list(): Promise<Image[]> {
    await this.init();
    return (await this.store.images()).map((r) => this.toImage(r));
  }

  /**
   * By tag or digest reference: drops that name, and the image once no tag is left. By image
   * id (full or a unique prefix of at least 12 hex digits): the image and all its names.
   */
  async remove(reference: string): Promise<void> {
    await this.init();
    const record = await this.find(reference);
    if (!record) throw new ImageNotFoundError(reference);
    const byId = ID_PREFIX.test(reference) && record.id.includes(reference.replace(/^sha256:/, ''));
    await this.store.untag(record.id, byId ? undefined : canonical(reference), byId);
  }

  async importTarball(file: string): Promise<Image[]> {
    await this.init();
    return (await importArchive(this.store, file)).map((r) => this.toImage(r));
  }

  async touch(id: string): Promise<void> {
    await this.init();
    await this.store.touch(id);
  }

  private async pullOnce(reference: string, ref: ImageReference, options: { auth?: RegistryAuth[]; signal?: AbortSignal }): Promise<Image> {
    try {
      const record = await pullImage(this.store, ref, { auth: options.auth, signal: options.signal, insecureRegistries: this.insecureRegistries });
      return this.toImage(record);
    } catch (err) {
      throw new ImagePullError(err instanceof Error ? err.message : String(err), 'ErrImagePull', { cause: err });
    }
  }

  private init(): Promise<void> {
    this.ready ??= this.store.init();
    return this.ready;
  }

  /** A tag, a digest reference (`name@sha256:...`), or an image id / id prefix. */
  private async find(reference: string): Promise<ImageRecord | undefined> {
    const images = await this.store.images();
    const id = ID_PREFIX.exec(reference);
    if (id) {
      const matches = images.filter((i) => i.id.slice('sha256:'.length).startsWith(id[2]));
      if (matches.length === 1) return matches[0];
    }
    const name = canonical(reference);
    if (!name) return undefined;
    return images.find((i) => i.repoTags.includes(name) || i.repoDigests.includes(name) || i.repoDigests.includes(name.replace(/:[^/@]+@/, '@')));
  }

  private toImage(record: ImageRecord): Image {
    return {
      id: record.id,
      repoTags: record.repoTags,
      repoDigests: record.repoDigests,
      size: record.size,
      config: record.config,
      layers: record.diffIds.map((d) => this.store.layerPath(d)),
      lastUsed: new Date(record.lastUsed),
    };
  }
}

/** The canonical form of a reference, or undefined when it does not parse. */
function canonical(reference: string): string | undefined {
  try {
    return formatReference(parseReference(reference));
  } catch {
    return undefined;
  }
}
