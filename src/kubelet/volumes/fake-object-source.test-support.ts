/** For tests: an ObjectSource over fixed ConfigMaps and Secrets (keyed "namespace/name"). */
import type { ConfigMap, Node, Secret } from 'kubernetes-types/core/v1.js';
import type { ObjectSource } from '../object-source.ts';

export function fakeObjectSource(objects: { configMaps?: Record<string, ConfigMap>; secrets?: Record<string, Secret>; node?: Node } = {}): ObjectSource & {
  configMaps: Record<string, ConfigMap>;
  secrets: Record<string, Secret>;
} {
  const configMaps = objects.configMaps ?? {};
  const secrets = objects.secrets ?? {};
  return {
    configMaps,
    secrets,
    getConfigMap: async (ns, name) => structuredClone(configMaps[`${ns}/${name}`]),
    getSecret: async (ns, name) => structuredClone(secrets[`${ns}/${name}`]),
    node: () => objects.node ?? { metadata: { name: 'node-1' }, status: { allocatable: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '10Gi' } } },
  };
}

/** base64, as Secret data travels. */
export function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}
