/**
 * Image references as docker and the kubelet read them: `busybox` is
 * `docker.io/library/busybox:latest`, a first component with a `.` or `:` (or `localhost`) is a
 * registry host, the tag defaults to `latest` unless a digest pins the image. Grammar and error
 * wording follow the distribution project's reference package, prefixed the way the kubelet
 * reports an InvalidImageName.
 */
import { ImagePullError } from './image-service.ts';

/** A parsed, normalised image reference. */
export interface ImageReference {
  /** Registry host (and port) as written, `docker.io` for Docker Hub. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/busybox`. */
  path: string;
  /** `domain/path`, e.g. `docker.io/library/busybox`. */
  name: string;
  /** The tag; `latest` when neither a tag nor a digest was given. */
  tag?: string;
  /** e.g. `sha256:...` when the reference pins a digest. */
  digest?: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPOSITORY_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainAndPort = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const referencePattern = new RegExp(
  `^((?:${domainAndPort}/)?${pathComponent}(?:/${pathComponent})*)(?::(${tagPattern}))?(?:@(${digestPattern}))?$`,
);
const bareIdPattern = /^[a-f0-9]{64}$/;

/** The upstream message for a reference that cannot be parsed. */
export class InvalidReferenceError extends ImagePullError {
  constructor(reference: string, detail: string) {
    super(`Failed to apply default image tag "${reference}": couldn't parse image name "${reference}": ${detail}`, 'InvalidImageName');
    this.name = 'InvalidReferenceError';
  }
}

/**
 * Parses and normalises a reference; throws InvalidReferenceError (reason InvalidImageName).
 * A reference with a digest and no tag keeps no tag; otherwise the tag defaults to `latest`.
 */
export function parseReference(reference: string): ImageReference {
  if (bareIdPattern.test(reference)) {
    throw new InvalidReferenceError(reference, `invalid repository name (${reference}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDomain(reference);
  const remoteName = remainder.replace(/[:@].*$/, '');
  if (remoteName.toLowerCase() !== remoteName) {
    throw new InvalidReferenceError(reference, `invalid reference format: repository name (${remoteName}) must be lowercase`);
  }
  const match = referencePattern.exec(`${domain}/${remainder}`);
  if (!match) throw new InvalidReferenceError(reference, 'invalid reference format');
  const [, name, tag, digest] = match;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(reference, `invalid reference format: repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  if (digest) checkDigest(reference, digest);
  return { domain, path: name.slice(domain.length + 1), name, tag: tag ?? (digest ? undefined : 'latest'), digest };
}

/** The canonical string: `name:tag`, `name@digest` or `name:tag@digest`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

function splitDomain(reference: string): { domain: string; remainder: string } {
  const slash = reference.indexOf('/');
  const first = slash === -1 ? '' : reference.slice(0, slash);
  let domain = DEFAULT_DOMAIN;
  let remainder = reference;
  if (slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)) {
    domain = first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first;
    remainder = reference.slice(slash + 1);
  }
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPOSITORY_PREFIX + remainder;
  return { domain, remainder };
}

function checkDigest(reference: string, digest: string): void {
  const [algorithm, hex] = digest.split(':');
  const lengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
  if (!(algorithm in lengths)) throw new InvalidReferenceError(reference, 'unsupported digest algorithm');
  if (hex.length !== lengths[algorithm]) throw new InvalidReferenceError(reference, 'invalid checksum digest length');
  if (hex !== hex.toLowerCase()) throw new InvalidReferenceError(reference, 'invalid checksum digest format');
}
