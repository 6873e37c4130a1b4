/**
 * The node's image store contract: images by reference, pulled from registries or imported from
 * tarballs, kept as content-addressed blobs with each layer unpacked once and shared by every
 * container that uses it (the read-only lower layers of its overlay rootfs).
 */

/** The parts of an image's config that decide how its containers run. */
export interface ImageRuntimeConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
}

export interface Image {
  /** sha256:<config digest>; status.containerStatuses[].imageID shows a repo digest when known, else this. */
  id: string;
  /** e.g. docker.io/library/busybox:1.36, normalised. */
  repoTags: string[];
  /** e.g. docker.io/library/busybox@sha256:... */
  repoDigests: string[];
  /** Bytes of the unpacked layers, for node.status.images and garbage collection. */
  size: number;
  config: ImageRuntimeConfig;
  /** Unpacked layer directories, lowest first. */
  layers: string[];
  lastUsed?: Date;
}

/** Registry credentials, e.g. from a kubernetes.io/dockerconfigjson pull secret. */
export interface RegistryAuth {
  /** Registry host as written in the image reference (docker.io → registry-1.docker.io is the store's concern). */
  registry: string;
  username?: string;
  password?: string;
  auth?: string;
  identityToken?: string;
}

export class ImagePullError extends Error {
  constructor(
    message: string,
    /** 'InvalidImageName' for a bad reference; 'ErrImagePull' otherwise. */
    readonly reason: 'InvalidImageName' | 'ErrImagePull',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImagePullError';
  }
}

export interface ImageService {
  /** The image a reference names, if present. */
  get(reference: string): Promise<Image | undefined>;
  /** Pulls (or re-pulls) the reference; throws ImagePullError with the registry's message. */
  pull(reference: string, options?: { auth?: RegistryAuth[]; signal?: AbortSignal }): Promise<Image>;
  list(): Promise<Image[]>;
  /** Removes the image's tag(s) and any blobs and layers no other image uses. */
  remove(reference: string): Promise<void>;
  /** Imports an OCI-layout or `docker save` tarball; returns the images it held. */
  importTarball(file: string): Promise<Image[]>;
  /** Marks an image used now (for garbage collection's oldest-first order). */
  touch(id: string): Promise<void>;
}
