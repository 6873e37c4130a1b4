/**
 * The files of the volumes whose content comes from the API — configMap, secret, downwardAPI
 * and projected — computed from the objects they name, in upstream's words when something is
 * missing (`configmap "x" not found`, `configmap references non-existent config key: k`).
 */
import type { ConfigMapProjection, DownwardAPIVolumeFile, Pod, SecretProjection, Volume } from 'kubernetes-types/core/v1.js';
import type { ObjectSource } from '../object-source.ts';
import type { Payload } from './atomic-writer.ts';
import { VolumeSourceError } from './errors.ts';
import { containerResourceValue, podFieldValue } from './field-path.ts';
import { configMapBytes, DEFAULT_FILE_MODE, projectKeys, secretBytes } from './key-projection.ts';

/** Issues a service account token for a projected volume; without one the file is an empty placeholder. */
export type TokenIssuer = (pod: Pod, request: { audience?: string; expirationSeconds: number }) => Promise<string>;

export interface PayloadContext {
  pod: Pod;
  source: ObjectSource;
  serviceAccountToken?: TokenIssuer;
}

/** The files of `volume`, or undefined when it is not an API-backed volume. */
export async function volumePayload(volume: Volume, ctx: PayloadContext): Promise<Payload | undefined> {
  const payload: Payload = new Map();
  if (volume.configMap) {
    await addConfigMap(payload, volume.configMap, volume.configMap.defaultMode ?? DEFAULT_FILE_MODE, ctx);
  } else if (volume.secret) {
    const { secretName = '', ...rest } = volume.secret;
    await addSecret(payload, { name: secretName, ...rest }, volume.secret.defaultMode ?? DEFAULT_FILE_MODE, ctx);
  } else if (volume.downwardAPI) {
    addDownwardAPI(payload, volume.downwardAPI.items ?? [], volume.downwardAPI.defaultMode ?? DEFAULT_FILE_MODE, ctx);
  } else if (volume.projected) {
    const mode = volume.projected.defaultMode ?? DEFAULT_FILE_MODE;
    for (const s of volume.projected.sources ?? []) {
      if (s.configMap) await addConfigMap(payload, s.configMap, mode, ctx);
      else if (s.secret) await addSecret(payload, s.secret, mode, ctx);
      else if (s.downwardAPI) addDownwardAPI(payload, s.downwardAPI.items ?? [], mode, ctx);
      else if (s.serviceAccountToken) {
        const { audience, expirationSeconds = 3600, path } = s.serviceAccountToken;
        const token = ctx.serviceAccountToken ? await ctx.serviceAccountToken(ctx.pod, { audience, expirationSeconds }) : '';
        payload.set(path, { content: Buffer.from(token), mode });
      } else if (s.clusterTrustBundle) throw new VolumeSourceError('clusterTrustBundle projections are not supported by this kubelet');
    }
  } else return undefined;
  return payload;
}

async function addConfigMap(payload: Payload, ref: ConfigMapProjection, defaultMode: number, ctx: PayloadContext): Promise<void> {
  const name = ref.name ?? '';
  const cm = await ctx.source.getConfigMap(namespace(ctx.pod), name);
  if (!cm) {
    if (ref.optional) return;
    throw new VolumeSourceError(`configmap "${name}" not found`);
  }
  projectKeys(payload, configMapBytes(cm), ref, defaultMode, (key) => `configmap references non-existent config key: ${key}`);
}

async function addSecret(payload: Payload, ref: SecretProjection, defaultMode: number, ctx: PayloadContext): Promise<void> {
  const name = ref.name ?? '';
  const secret = await ctx.source.getSecret(namespace(ctx.pod), name);
  if (!secret) {
    if (ref.optional) return;
    throw new VolumeSourceError(`secret "${name}" not found`);
  }
  projectKeys(payload, secretBytes(secret), ref, defaultMode, (key) => `references non-existent secret key: ${key}`);
}

function addDownwardAPI(payload: Payload, items: DownwardAPIVolumeFile[], defaultMode: number, ctx: PayloadContext): void {
  for (const item of items) {
    let value: string;
    try {
      if (item.fieldRef) value = podFieldValue(ctx.pod, item.fieldRef, {}, true);
      else if (item.resourceFieldRef) value = containerResourceValue(ctx.pod, item.resourceFieldRef, undefined, ctx.source.node());
      else continue;
    } catch (err) {
      throw new VolumeSourceError((err as Error).message);
    }
    payload.set(item.path, { content: Buffer.from(value), mode: item.mode ?? defaultMode });
  }
}

function namespace(pod: Pod): string {
  return pod.metadata?.namespace ?? 'default';
}
