/**
 * How the kubelet's parts read the objects a pod refers to — its ConfigMaps and Secrets (env,
 * volumes, image pull secrets) and the Node (downward API) — always through the API server.
 */
import type { ConfigMap, Node, Secret } from 'kubernetes-types/core/v1.js';
import { findResource } from '../api/catalogue.ts';
import { isNotFound, type RestClient } from '../client/index.ts';

const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const SECRETS = findResource('', 'v1', 'secrets')!;

export interface ObjectSource {
  /** undefined when there is no such ConfigMap. */
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  /** undefined when there is no such Secret. */
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
  /** This kubelet's Node as last registered or reported. */
  node(): Node;
}

/** An {@link ObjectSource} that GETs ConfigMaps and Secrets from the API. */
export function apiObjectSource(client: Pick<RestClient, 'get'>, node: () => Node): ObjectSource {
  const get = async <T>(r: typeof CONFIGMAPS, namespace: string, name: string): Promise<T | undefined> => {
    try {
      return await client.get<T & object>(r, namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  return {
    getConfigMap: (namespace, name) => get<ConfigMap>(CONFIGMAPS, namespace, name),
    getSecret: (namespace, name) => get<Secret>(SECRETS, namespace, name),
    node,
  };
}
