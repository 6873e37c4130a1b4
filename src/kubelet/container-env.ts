/**
 * A container's environment from its pod spec, as the kubelet resolves it before creating the
 * container: first each envFrom source (a ConfigMap's or Secret's keys, with the prefix; keys
 * that are not valid variable names are skipped and reported), then each env entry in order —
 * a literal value with `$(VAR)` expanded from the variables before it, or a valueFrom:
 * configMapKeyRef, secretKeyRef, fieldRef or resourceFieldRef. A name given twice keeps its
 * first place and its last value. What cannot be resolved fails the container with
 * CreateContainerConfigError in upstream's words (`configmap "x" not found`,
 * `couldn't find key k in ConfigMap ns/x`), unless the reference is optional.
 * Service links (the `FOO_SERVICE_HOST` variables) are not added here.
 */
import type { ConfigMap, Container, Pod, Secret } from 'kubernetes-types/core/v1.js';
import { CreateContainerConfigError, expand } from './container-config.ts';
import type { ObjectSource } from './object-source.ts';
import { containerResourceValue, podFieldValue, type PodRuntimeFields } from './volumes/field-path.ts';
import { secretBytes } from './volumes/key-projection.ts';

export interface EnvVarValue {
  name: string;
  value: string;
}

export interface ResolveEnvOptions extends PodRuntimeFields {
  /**
   * Told of envFrom keys skipped because they are not valid variable names, in upstream's
   * words (the kubelet records them as a Warning event, reason InvalidEnvironmentVariableNames).
   */
  onInvalidKeys?: (message: string) => void;
}

/** Upstream's C-identifier-like rule for variable names (IsEnvVarName). */
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * Resolves `container`'s env. Reads ConfigMaps and Secrets through `source` (each at most once);
 * throws {@link CreateContainerConfigError} naming what is missing.
 */
export async function resolveEnv(pod: Pod, container: Container, source: ObjectSource, options: ResolveEnvOptions = {}): Promise<EnvVarValue[]> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const objects = new ObjectCache(source, namespace);
  const env = new Map<string, string>();

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref?.name) continue;
    const isSecret = !from.configMapRef;
    const data = isSecret ? secretData(await objects.secret(ref.name, ref.optional)) : (await objects.configMap(ref.name, ref.optional))?.data;
    if (!data) continue;
    const invalid: string[] = [];
    for (const key of Object.keys(data).sort()) {
      const name = (from.prefix ?? '') + key;
      if (!ENV_VAR_NAME.test(name)) invalid.push(name);
      else env.set(name, data[key]);
    }
    if (invalid.length) {
      options.onInvalidKeys?.(
        `Keys [${invalid.join(', ')}] from the EnvFrom ${isSecret ? 'secret' : 'configMap'} ${namespace}/${ref.name} were skipped since they are considered invalid environment variable names.`,
      );
    }
  }

  for (const v of container.env ?? []) {
    const value = await envValue(v, pod, container, objects, options, env);
    if (value !== undefined) env.set(v.name, value);
  }
  return [...env].map(([name, value]) => ({ name, value }));
}

type EnvVar = NonNullable<Container['env']>[number];

/** One env entry's value; undefined when an optional reference is missing (the variable is left out). */
async function envValue(v: EnvVar, pod: Pod, container: Container, objects: ObjectCache, options: ResolveEnvOptions, earlier: Map<string, string>): Promise<string | undefined> {
  const from = v.valueFrom;
  if (!from) return expand(v.value ?? '', earlier);
  const namespace = objects.namespace;
  if (from.configMapKeyRef) {
    const { name = '', key, optional } = from.configMapKeyRef;
    const cm = await objects.configMap(name, optional);
    if (!cm) return undefined;
    const value = cm.data?.[key];
    if (value === undefined && !optional) throw new CreateContainerConfigError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
    return value;
  }
  if (from.secretKeyRef) {
    const { name = '', key, optional } = from.secretKeyRef;
    const secret = await objects.secret(name, optional);
    if (!secret) return undefined;
    const value = secretData(secret)?.[key];
    if (value === undefined && !optional) throw new CreateContainerConfigError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
    return value;
  }
  try {
    if (from.fieldRef) return podFieldValue(pod, from.fieldRef, options);
    if (from.resourceFieldRef) return containerResourceValue(pod, from.resourceFieldRef, container, objects.node());
  } catch (err) {
    throw new CreateContainerConfigError((err as Error).message, { cause: err });
  }
  return '';
}

/** A Secret's values as text (data is base64 on the wire). */
function secretData(secret: Secret | undefined): Record<string, string> | undefined {
  if (!secret) return undefined;
  return Object.fromEntries([...secretBytes(secret)].map(([k, v]) => [k, v.toString('utf8')]));
}

/** Reads each ConfigMap and Secret once per resolution; a required one that is missing fails. */
class ObjectCache {
  private readonly configMaps = new Map<string, Promise<ConfigMap | undefined>>();
  private readonly secrets = new Map<string, Promise<Secret | undefined>>();

  constructor(
    private readonly source: ObjectSource,
    readonly namespace: string,
  ) {}

  node() {
    return this.source.node();
  }

  async configMap(name: string, optional: boolean | undefined): Promise<ConfigMap | undefined> {
    if (!this.configMaps.has(name)) this.configMaps.set(name, readObject(() => this.source.getConfigMap(this.namespace, name)));
    const cm = await this.configMaps.get(name)!;
    if (!cm && !optional) throw new CreateContainerConfigError(`configmap "${name}" not found`);
    return cm;
  }

  async secret(name: string, optional: boolean | undefined): Promise<Secret | undefined> {
    if (!this.secrets.has(name)) this.secrets.set(name, readObject(() => this.source.getSecret(this.namespace, name)));
    const secret = await this.secrets.get(name)!;
    if (!secret && !optional) throw new CreateContainerConfigError(`secret "${name}" not found`);
    return secret;
  }
}

/** An API failure also keeps the container from being created, and is retried on the next sync. */
async function readObject<T>(get: () => Promise<T>): Promise<T> {
  try {
    return await get();
  } catch (err) {
    throw new CreateContainerConfigError((err as Error).message, { cause: err });
  }
}
