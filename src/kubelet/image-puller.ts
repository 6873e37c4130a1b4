/**
 * Gets a container's image ready as upstream's image manager does: by the pull policy (Always;
 * IfNotPresent; Never; unset means Always for `:latest` or no tag, else IfNotPresent), with the
 * pod's image pull secrets, the Pulling/Pulled/Failed/BackOff events, and a back-off per pod
 * and image after a failed pull (10 s doubling to 5 minutes) during which the container waits
 * with ImagePullBackOff instead of pulling again.
 */
import type { Container, Pod, Secret } from 'kubernetes-types/core/v1.js';
import type { Clock, EventRecorder } from '../client/index.ts';
import { ContainerWaitingError } from './container-waiting-error.ts';
import { CrashBackoff } from './crash-backoff.ts';
import { ImagePullError, type Image, type ImageService, type RegistryAuth } from './images/image-service.ts';
import { parseReference } from './images/reference.ts';
import type { ObjectSource } from './object-source.ts';

/** How often an image in use is marked used again (the store's lastUsed, for garbage collection). */
const TOUCH_INTERVAL_MS = 60_000;

export interface ImagePullerOptions {
  images: ImageService;
  objects: Pick<ObjectSource, 'getSecret'>;
  recorder: Pick<EventRecorder, 'event'>;
  clock: Clock;
}

export class ImagePuller {
  private readonly backoff: CrashBackoff;
  /** When the last pull of a pod/image key failed. */
  private readonly failedAt = new Map<string, number>();
  /** When each image was last marked used. */
  private readonly touchedAt = new Map<string, number>();

  constructor(private readonly options: ImagePullerOptions) {
    this.backoff = new CrashBackoff(options.clock);
  }

  /**
   * Marks the image used, for garbage collection's least-recently-used order — in the
   * background and at most once a minute per image: each mark rewrites the store's index
   * under its lock, and a hundred pods starting at once would otherwise queue behind it.
   */
  private touch(id: string): void {
    const now = this.options.clock.now();
    if (now - (this.touchedAt.get(id) ?? -Infinity) < TOUCH_INTERVAL_MS) return;
    this.touchedAt.set(id, now);
    void this.options.images.touch(id).catch(() => undefined);
  }

  /** The container's image, pulled if the policy says so; throws {@link ContainerWaitingError}. */
  async ensure(pod: Pod, container: Container): Promise<Image> {
    const { images, recorder, clock } = this.options;
    const image = container.image ?? '';
    let tag: string | undefined;
    try {
      tag = parseReference(image).tag;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      void recorder.event(pod, 'Warning', 'InspectFailed', message);
      throw new ContainerWaitingError('InvalidImageName', message, { cause: err });
    }
    const policy = container.imagePullPolicy ?? (tag === 'latest' ? 'Always' : 'IfNotPresent');
    const present = policy === 'Always' ? undefined : await images.get(image);
    if (present) {
      void recorder.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      this.touch(present.id);
      return present;
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      void recorder.event(pod, 'Warning', 'ErrImageNeverPull', message);
      throw new ContainerWaitingError('ErrImageNeverPull', message);
    }
    const key = `${pod.metadata?.uid}/${image}`;
    const failedAt = this.failedAt.get(key);
    if (failedAt !== undefined) {
      const { remainingMs } = this.backoff.remaining(key, failedAt);
      if (remainingMs > 0) {
        void recorder.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
        throw new ContainerWaitingError('ImagePullBackOff', `Back-off pulling image "${image}"`, { retryAfterMs: remainingMs });
      }
    }
    void recorder.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const started = clock.now();
    try {
      const pulled = await images.pull(image, { auth: await this.pullAuth(pod) });
      this.failedAt.delete(key);
      const took = ((clock.now() - started) / 1000).toFixed(3).replace(/\.?0+$/, '');
      void recorder.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took}s (${took}s including waiting). Image size: ${pulled.size} bytes.`);
      return pulled;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const reason = err instanceof ImagePullError ? err.reason : 'ErrImagePull';
      this.backoff.next(key, clock.now());
      this.failedAt.set(key, clock.now());
      void recorder.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`);
      void recorder.event(pod, 'Warning', 'Failed', `Error: ${reason}`);
      throw new ContainerWaitingError(reason, message, { cause: err, retryAfterMs: this.backoff.remaining(key, clock.now()).remainingMs });
    }
  }

  /** Forgets a pod's back-offs (it is gone). */
  forget(podUid: string): void {
    this.backoff.forgetPrefix(`${podUid}/`);
    for (const key of this.failedAt.keys()) if (key.startsWith(`${podUid}/`)) this.failedAt.delete(key);
  }

  /** Credentials from the pod's kubernetes.io/dockerconfigjson (or legacy dockercfg) pull secrets. */
  private async pullAuth(pod: Pod): Promise<RegistryAuth[]> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const auths: RegistryAuth[] = [];
    for (const ref of pod.spec?.imagePullSecrets ?? []) {
      if (!ref.name) continue;
      const secret = await this.options.objects.getSecret(namespace, ref.name);
      if (secret) auths.push(...registryAuths(secret));
    }
    return auths;
  }
}

/** The registry credentials a docker config Secret holds. */
export function registryAuths(secret: Secret): RegistryAuth[] {
  const decode = (key: string) => (secret.data?.[key] ? JSON.parse(Buffer.from(secret.data[key], 'base64').toString('utf8')) : undefined);
  let entries: Record<string, Record<string, string>> | undefined;
  try {
    entries = secret.type === 'kubernetes.io/dockercfg' ? decode('.dockercfg') : decode('.dockerconfigjson')?.auths;
  } catch {
    return [];
  }
  return Object.entries(entries ?? {}).map(([registry, e]) => ({
    registry: registry.replace(/^https?:\/\//, '').replace(/\/.*$/, ''),
    ...(e.username ? { username: e.username } : {}),
    ...(e.password ? { password: e.password } : {}),
    ...(e.auth ? { auth: e.auth } : {}),
    ...(e.identitytoken ? { identityToken: e.identitytoken } : {}),
  }));
}
