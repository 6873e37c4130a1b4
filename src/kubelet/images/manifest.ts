/**
 * The image documents a registry or an archive hands over — docker schema 2 and OCI manifests,
 * manifest lists and OCI indexes, image configs — read into what the store needs, and the
 * choice of one platform's manifest from a list (linux and this machine's architecture).
 */
import type { ImageRuntimeConfig } from './image-service.ts';

/** The manifest media types of docker schema 2 and OCI. */
export const MediaTypes = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** What a registry is asked for, most specific first. */
export const MANIFEST_ACCEPT = [MediaTypes.ociIndex, MediaTypes.dockerManifestList, MediaTypes.ociManifest, MediaTypes.dockerManifest].join(', ');

/** A reference to a blob: what it is, its digest and size, and (in indexes) its platform. */
export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/** An image manifest (one platform) or an index of them. */
export type ManifestDocument = { kind: 'manifest'; config: Descriptor; layers: Descriptor[] } | { kind: 'index'; manifests: Descriptor[] };

/** Not a manifest this store can use (schema 1, garbage, missing fields). */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** Reads a manifest or index; `contentType` (from the registry) is used when the body has no mediaType. */
export function parseManifest(body: Buffer | string, contentType?: string): ManifestDocument {
  let doc: { schemaVersion?: number; mediaType?: string; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  try {
    doc = JSON.parse(body.toString());
  } catch {
    throw new ManifestError('manifest is not valid JSON');
  }
  if (doc.schemaVersion === 1) throw new ManifestError('docker schema 1 manifests are not supported; push the image again with a current client');
  const mediaType = doc.mediaType ?? contentType?.split(';')[0].trim();
  if (Array.isArray(doc.manifests) || mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList) {
    return { kind: 'index', manifests: doc.manifests ?? [] };
  }
  if (!doc.config?.digest || !Array.isArray(doc.layers)) throw new ManifestError(`unsupported manifest (media type ${mediaType ?? 'unknown'})`);
  return { kind: 'manifest', config: doc.config, layers: doc.layers };
}

/** The architecture name images use for this machine (Go's GOARCH). */
export function hostArchitecture(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[arch] ?? arch;
}

/** The descriptor for linux on `architecture` from an index; undefined when there is none. */
export function selectPlatform(manifests: Descriptor[], architecture = hostArchitecture()): Descriptor | undefined {
  const candidates = manifests.filter((m) => (m.platform?.os ?? 'linux') === 'linux' && (m.platform?.architecture ?? architecture) === architecture);
  // arm64 images are v8 whatever the variant says; prefer an exact v8 or no variant.
  return candidates.find((m) => !m.platform?.variant || m.platform.variant === 'v8') ?? candidates[0];
}

/** The parts of an image config the store keeps. */
export interface ImageConfigDocument {
  diffIds: string[];
  runtime: ImageRuntimeConfig;
}

/** Reads an image config's layer diff_ids and runtime settings. */
export function parseImageConfig(body: Buffer | string): ImageConfigDocument {
  let doc: { rootfs?: { diff_ids?: string[] }; config?: ImageRuntimeConfig | null };
  try {
    doc = JSON.parse(body.toString());
  } catch {
    throw new ManifestError('image config is not valid JSON');
  }
  const diffIds = doc.rootfs?.diff_ids;
  if (!Array.isArray(diffIds)) throw new ManifestError('image config has no rootfs.diff_ids');
  const c = doc.config ?? {};
  const runtime: ImageRuntimeConfig = {};
  if (c.Entrypoint) runtime.Entrypoint = c.Entrypoint;
  if (c.Cmd) runtime.Cmd = c.Cmd;
  if (c.Env) runtime.Env = c.Env;
  if (c.WorkingDir) runtime.WorkingDir = c.WorkingDir;
  if (c.User) runtime.User = c.User;
  return { diffIds, runtime };
}
