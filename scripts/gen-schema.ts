/**
 * Writes src/api/schema/generated.json: the shape of every API type reachable from the kinds
 * Skiff serves, under upstream's OpenAPI names ("io.k8s.api.core.v1.Container"), as the
 * TypeSchema/FieldType facts of src/api/schema/types.ts.
 *
 * Sources, both installed dev dependencies:
 * - @kubernetes/client-node's generated models: field names, JSON names, types and formats
 *   (`attributeTypeMap`), and which fields are required (the `?` in the .d.ts).
 * - kubernetes-types: which package a type belongs to (client-node names drop the group), and
 *   which fields are resource.Quantity (client-node flattens those to plain strings).
 *
 * Descriptions are left out on purpose: names and types are facts, prose is not ours to copy.
 * Strategic-merge and list facts live in merge-keys.ts and are applied when the schema loads.
 *
 * Run: node --import tsx scripts/gen-schema.ts          (writes the file)
 *      node --import tsx scripts/gen-schema.ts --check  (exits 1 if the committed file is stale)
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FieldSchema, FieldType, TypeSchema } from '../src/api/schema/types.ts';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}
interface ModelClass {
  attributeTypeMap?: Attribute[];
}

/** A served kind: its group/version/kind, the client-node class, and whether a List kind goes with it. */
interface Root {
  group: string;
  version: string;
  kind: string;
  model: string;
  list?: boolean;
}

const ROOTS: Root[] = [
  ...['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'ReplicationController', 'ConfigMap', 'Secret', 'ServiceAccount', 'PersistentVolume', 'PersistentVolumeClaim', 'ResourceQuota', 'LimitRange', 'PodTemplate'].map(
    (kind) => ({ group: '', version: 'v1', kind, model: `V1${kind}`, list: true }),
  ),
  { group: '', version: 'v1', kind: 'Event', model: 'CoreV1Event', list: true },
  { group: '', version: 'v1', kind: 'Binding', model: 'V1Binding' },
  { group: '', version: 'v1', kind: 'Status', model: 'V1Status' },
  { group: '', version: 'v1', kind: 'DeleteOptions', model: 'V1DeleteOptions' },
  { group: '', version: 'v1', kind: 'WatchEvent', model: 'V1WatchEvent' },
  { group: '', version: 'v1', kind: 'APIVersions', model: 'V1APIVersions' },
  { group: '', version: 'v1', kind: 'APIGroupList', model: 'V1APIGroupList' },
  { group: '', version: 'v1', kind: 'APIGroup', model: 'V1APIGroup' },
  { group: '', version: 'v1', kind: 'APIResourceList', model: 'V1APIResourceList' },
  ...['ReplicaSet', 'Deployment', 'DaemonSet', 'StatefulSet', 'ControllerRevision'].map((kind) => ({ group: 'apps', version: 'v1', kind, model: `V1${kind}`, list: true })),
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', model: 'V1EndpointSlice', list: true },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', model: 'V1Lease', list: true },
  { group: 'events.k8s.io', version: 'v1', kind: 'Event', model: 'EventsV1Event', list: true },
  { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', model: 'V1PodDisruptionBudget', list: true },
  { group: 'policy', version: 'v1', kind: 'Eviction', model: 'V1Eviction' },
  { group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', model: 'V1PriorityClass', list: true },
  { group: 'batch', version: 'v1', kind: 'Job', model: 'V1Job', list: true },
  { group: 'batch', version: 'v1', kind: 'CronJob', model: 'V1CronJob', list: true },
  { group: 'autoscaling', version: 'v1', kind: 'Scale', model: 'V1Scale' },
  { group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', model: 'V1SelfSubjectReview' },
  { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', model: 'V1TokenReview' },
  { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', model: 'AuthenticationV1TokenRequest' },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', model: 'V1SelfSubjectAccessReview' },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', model: 'V1SelfSubjectRulesReview' },
  ...['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].map((kind) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', kind, model: `V1${kind}`, list: true })),
  { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', model: 'V1Ingress', list: true },
  { group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', model: 'V1IngressClass', list: true },
  { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler', model: 'V1HorizontalPodAutoscaler', list: true },
  { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', model: 'V2HorizontalPodAutoscaler', list: true },
];

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Types the API server speaks that client-node has no model for (meta.k8s.io tables and partial metadata). */
const str: FieldSchema = { type: { kind: 'string' } };
const EXTRA_TYPES: TypeSchema[] = [
  {
    name: `${META}.Table`,
    gvk: { group: 'meta.k8s.io', version: 'v1', kind: 'Table' },
    fields: {
      apiVersion: str,
      kind: str,
      metadata: { type: { kind: 'ref', ref: `${META}.ListMeta` } },
      columnDefinitions: { type: { kind: 'array', items: { kind: 'ref', ref: `${META}.TableColumnDefinition` } }, required: true },
      rows: { type: { kind: 'array', items: { kind: 'ref', ref: `${META}.TableRow` } }, required: true },
    },
  },
  {
    name: `${META}.TableColumnDefinition`,
    fields: {
      name: { ...str, required: true },
      type: { ...str, required: true },
      format: { ...str, required: true },
      description: { ...str, required: true },
      priority: { type: { kind: 'integer', format: 'int32' }, required: true },
    },
  },
  {
    name: `${META}.TableRow`,
    fields: {
      cells: { type: { kind: 'array', items: { kind: 'any' } }, required: true },
      conditions: { type: { kind: 'array', items: { kind: 'ref', ref: `${META}.TableRowCondition` } } },
      object: { type: { kind: 'any' } },
    },
  },
  {
    name: `${META}.TableRowCondition`,
    fields: { type: { ...str, required: true }, status: { ...str, required: true }, reason: str, message: str },
  },
  {
    name: `${META}.PartialObjectMetadata`,
    gvk: { group: 'meta.k8s.io', version: 'v1', kind: 'PartialObjectMetadata' },
    fields: { apiVersion: str, kind: str, metadata: { type: { kind: 'ref', ref: `${META}.ObjectMeta` } } },
  },
  {
    name: `${META}.PartialObjectMetadataList`,
    gvk: { group: 'meta.k8s.io', version: 'v1', kind: 'PartialObjectMetadataList' },
    fields: {
      apiVersion: str,
      kind: str,
      metadata: { type: { kind: 'ref', ref: `${META}.ListMeta` } },
      items: { type: { kind: 'array', items: { kind: 'ref', ref: `${META}.PartialObjectMetadata` } }, required: true },
    },
  },
];

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const clientNodeDir = dirname(require.resolve('@kubernetes/client-node/package.json'));
const modelsDir = join(clientNodeDir, 'dist/gen/models');
const kubeTypesDir = dirname(require.resolve('kubernetes-types/package.json'));

/** Upstream's OpenAPI prefix for a kubernetes-types package ("core/v1"). */
function namePrefix(pkg: string): string {
  const [group, version] = pkg.split('/');
  if (group === 'meta') return META;
  if (group === 'apiextensions') return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
  if (group === 'apiregistration') return `io.k8s.kube-aggregator.pkg.apis.apiregistration.${version}`;
  return `io.k8s.api.${group}.${version}`;
}

interface KubeTypesFacts {
  /** "v1:Pod" → the packages ("core/v1") declaring an interface of that name in that version. */
  packages: Map<string, string[]>;
  /** "core/v1.ResourceRequirements.limits" → 'scalar' | 'map' for resource.Quantity fields. */
  quantities: Map<string, 'scalar' | 'map'>;
}

function readKubeTypes(): KubeTypesFacts {
  const packages = new Map<string, string[]>();
  const quantities = new Map<string, 'scalar' | 'map'>();
  for (const group of readdirSync(kubeTypesDir, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    for (const file of readdirSync(join(kubeTypesDir, group.name))) {
      if (!file.endsWith('.d.ts')) continue;
      const version = file.slice(0, -'.d.ts'.length);
      const pkg = `${group.name}/${version}`;
      const lines = readFileSync(join(kubeTypesDir, group.name, file), 'utf8').split('\n');
      let iface = '';
      for (let i = 0; i < lines.length; i++) {
        const decl = /^export interface (\w+)/.exec(lines[i]);
        if (decl) {
          iface = decl[1];
          const key = `${version}:${iface}`;
          packages.set(key, [...(packages.get(key) ?? []), pkg]);
          continue;
        }
        const scalar = /^ {4}(\w+)\??: Quantity;/.exec(lines[i]);
        if (scalar) quantities.set(`${pkg}.${iface}.${scalar[1]}`, 'scalar');
        const map = /^ {4}(\w+)\??: \{$/.exec(lines[i]);
        if (map && /^\s+\[name: string\]: Quantity;/.test(lines[i + 1] ?? '')) quantities.set(`${pkg}.${iface}.${map[1]}`, 'map');
      }
    }
  }
  return { packages, quantities };
}

/** Which fields of a model are required: client-node's .d.ts declares them without `?`. */
function requiredProperties(model: string): Set<string> {
  const text = readFileSync(join(modelsDir, `${model}.d.ts`), 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(/^\s+'(\w+)':/gm)) out.add(m[1]);
  return out;
}

/** Splits a client-node class name: "CoreV1Event" → core, v1, Event; "V1beta1Foo" → undefined, v1beta1, Foo. */
function splitModelName(model: string): { group?: string; version: string; type: string } {
  const m = /^([A-Z][a-z]+)?V(\d+(?:(?:alpha|beta)\d+)?)([A-Z]\w*)$/.exec(model);
  if (!m) throw new Error(`unexpected client-node model name ${model}`);
  return { group: m[1]?.toLowerCase(), version: `v${m[2]}`, type: m[3] };
}

async function main(): Promise<void> {
  const models = (await import(join(modelsDir, 'all.js'))) as Record<string, ModelClass>;
  const facts = readKubeTypes();
  const upstreamName = new Map<string, string>(); // client-node class → upstream name
  const types = new Map<string, TypeSchema>();

  function resolvePackage(model: string, parentPackage: string | undefined): string {
    const { group, version, type } = splitModelName(model);
    if (group) return `${group}/${version}`;
    const candidates = facts.packages.get(`${version}:${type}`) ?? [];
    if (candidates.length === 1) return candidates[0];
    // Several packages share the name (the referencing type's own wins), or the type is newer
    // than kubernetes-types (it then lives beside the type that references it).
    if (parentPackage && (candidates.length === 0 || candidates.includes(parentPackage))) return parentPackage;
    throw new Error(`cannot place ${model} in a package (candidates: ${candidates.join(', ') || 'none'})`);
  }

  const queue: Array<{ model: string; parentPackage?: string }> = ROOTS.flatMap((r) => {
    const list = r.list ? [{ model: `${r.model}List` }] : [];
    return [{ model: r.model }, ...list];
  });

  function fieldType(attr: Attribute, pkg: string): FieldType {
    const parse = (t: string): FieldType => {
      const array = /^Array<(.+)>$/.exec(t);
      if (array) return { kind: 'array', items: parse(array[1]) };
      const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
      if (map) return { kind: 'map', values: parse(map[1]) };
      switch (t) {
        case 'string':
          return attr.format ? { kind: 'string', format: attr.format } : { kind: 'string' };
        case 'number':
          if (attr.format === 'int32' || attr.format === 'int64') return { kind: 'integer', format: attr.format };
          return attr.format ? { kind: 'number', format: attr.format } : { kind: 'number' };
        case 'boolean':
          return { kind: 'boolean' };
        case 'Date':
        case 'V1MicroTime':
          return { kind: 'time' };
        case 'IntOrString':
          return { kind: 'int-or-string' };
        case 'any':
          return { kind: 'any' };
      }
      if (!models[t]) throw new Error(`unknown client-node type ${t}`);
      queue.push({ model: t, parentPackage: pkg });
      return { kind: 'ref', ref: t };
    };
    return parse(attr.type);
  }

  while (queue.length) {
    const { model, parentPackage } = queue.shift()!;
    if (upstreamName.has(model)) continue;
    const cls = models[model];
    if (!cls?.attributeTypeMap) throw new Error(`client-node has no model ${model}`);
    const pkg = resolvePackage(model, parentPackage);
    const typeName = splitModelName(model).type;
    const name = `${namePrefix(pkg)}.${typeName}`;
    upstreamName.set(model, name);
    const required = requiredProperties(model);
    const fields: Record<string, FieldSchema> = {};
    for (const attr of cls.attributeTypeMap) {
      let type = fieldType(attr, pkg);
      const quantity = facts.quantities.get(`${pkg}.${typeName}.${attr.baseName}`);
      if (quantity === 'scalar') type = { kind: 'quantity' };
      if (quantity === 'map') type = { kind: 'map', values: { kind: 'quantity' } };
      fields[attr.baseName] = required.has(attr.name) ? { type, required: true } : { type };
    }
    types.set(name, { name, fields });
  }

  // Refs were recorded as client-node class names; now that every class has its upstream name, rename.
  const rename = (t: FieldType): FieldType => {
    if (t.kind === 'ref') return { kind: 'ref', ref: upstreamName.get(t.ref)! };
    if (t.kind === 'array') return { kind: 'array', items: rename(t.items) };
    if (t.kind === 'map') return { kind: 'map', values: rename(t.values) };
    return t;
  };
  for (const t of types.values()) for (const f of Object.values(t.fields)) f.type = rename(f.type);

  for (const root of ROOTS) {
    types.get(upstreamName.get(root.model)!)!.gvk = { group: root.group, version: root.version, kind: root.kind };
    if (root.list) {
      types.get(upstreamName.get(`${root.model}List`)!)!.gvk = { group: root.group, version: root.version, kind: `${root.kind}List` };
    }
  }
  for (const extra of EXTRA_TYPES) types.set(extra.name, extra);

  // Code-unit order, not locale order: the output must not depend on the machine that runs this.
  const sorted = [...types.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // One type per line: compact to load, readable in a diff.
  const body = sorted.map((t) => {
    const { name, ...rest } = t;
    return `${JSON.stringify(name)}:${JSON.stringify(rest)}`;
  });
  const out = join(here, '../src/api/schema/generated.json');
  const text = `{\n${body.join(',\n')}\n}\n`;
  if (process.argv.includes('--check')) {
    const current = existsSync(out) ? readFileSync(out, 'utf8') : '';
    if (current !== text) {
      console.error(`${out} is stale: run node --import tsx scripts/gen-schema.ts`);
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(out, text);
  console.log(`wrote ${sorted.length} types to ${out}`);
}

await main();
