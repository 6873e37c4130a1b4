/**
 * Writes src/api/schema/protobuf-fields.json: for every type of generated.json, the protobuf
 * field number of each of its JSON fields — facts of Kubernetes's wire format.
 *
 * Source: the protobuf file descriptors that a Go client registers and so carries in its
 * binary (gzipped FileDescriptorProto messages, one per `generated.proto`); by default the
 * kubectl installed on the machine. Only names and numbers are kept, plus the few encodings
 * the schema cannot tell apart:
 * - `N`: the field is number N of the type's message.
 * - `[N, M]`: the message inlines a Go struct the JSON flattens (Probe's ProbeHandler,
 *   Volume's VolumeSource, ...): field N holds that struct, whose field M is this one.
 * - `{ "number": N, "encoding": "MicroTime" }`: a time with microseconds (leases, events).
 * - `{ "number": N, "encoding": "StringList" }`: a list of strings wrapped in a message
 *   (`items = 1`), such as UserInfo.extra's values and APIResource.verbs.
 * Fields newer than kubectl 1.32's descriptors come from {@link NEWER_FIELDS}, numbers read from
 * upstream's published generated.proto files; any other field the descriptors lack is reported
 * and left out.
 *
 * Run: node --import tsx scripts/gen-protobuf-fields.ts [path/to/kubectl]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, constants } from 'node:zlib';
import type { TypeSchema } from '../src/api/schema/types.ts';

interface ProtoField {
  name: string;
  number: number;
  /** Fully qualified message name for message fields, without the leading dot. */
  typeName?: string;
}

type Entry = number | [number, number] | { number: number; encoding: 'MicroTime' | 'StringList' };

/**
 * Field numbers added after kubectl 1.32, from upstream's generated.proto (k8s.io/api core/v1,
 * apps/v1, discovery/v1): alpha and beta fields kubectl 1.32 cannot send, kept so that newer
 * clients' bodies decode whole.
 */
const NEWER_FIELDS: Record<string, Record<string, Entry>> = {
  'io.k8s.api.apps.v1.DeploymentStatus': { terminatingReplicas: 9 },
  'io.k8s.api.apps.v1.ReplicaSetStatus': { terminatingReplicas: 7 },
  'io.k8s.api.core.v1.Container': { restartPolicyRules: 25 },
  'io.k8s.api.core.v1.ContainerExtendedResourceRequest': { containerName: 1, resourceName: 2, requestName: 3 },
  'io.k8s.api.core.v1.ContainerRestartRule': { action: 1, exitCodes: 2 },
  'io.k8s.api.core.v1.ContainerRestartRuleOnExitCodes': { operator: 1, values: 2 },
  'io.k8s.api.core.v1.ContainerStatus': { stopSignal: 15 },
  'io.k8s.api.core.v1.EnvVarSource': { fileKeyRef: 5 },
  'io.k8s.api.core.v1.EphemeralContainer': { restartPolicyRules: [1, 25] },
  'io.k8s.api.core.v1.FileKeySelector': { volumeName: 1, path: 2, key: 3, optional: 4 },
  'io.k8s.api.core.v1.Lifecycle': { stopSignal: 3 },
  'io.k8s.api.core.v1.NodeSwapStatus': { capacity: 1 },
  'io.k8s.api.core.v1.NodeSystemInfo': { swap: 11 },
  'io.k8s.api.core.v1.PodCertificateProjection': {
    signerName: 1,
    keyType: 2,
    maxExpirationSeconds: 3,
    credentialBundlePath: 4,
    keyPath: 5,
    certificateChainPath: 6,
  },
  'io.k8s.api.core.v1.PodCondition': { observedGeneration: 7 },
  'io.k8s.api.core.v1.PodExtendedResourceClaimStatus': { requestMappings: 1, resourceClaimName: 2 },
  'io.k8s.api.core.v1.PodSpec': { hostnameOverride: 41 },
  'io.k8s.api.core.v1.PodStatus': { observedGeneration: 17, extendedResourceClaimStatus: 18 },
  'io.k8s.api.core.v1.VolumeProjection': { podCertificate: 6 },
  'io.k8s.api.discovery.v1.EndpointHints': { forNodes: 2 },
  'io.k8s.api.discovery.v1.ForNode': { name: 1 },
  'io.k8s.api.autoscaling.v2.HPAScalingRules': { tolerance: 4 },
  // meta/v1's FieldSelectorRequirement, which client-node's models place under authorization.
  'io.k8s.api.authorization.v1.FieldSelectorRequirement': { key: 1, operator: 2, values: 3 },
};

/** meta.k8s.io types upstream serves as JSON only: they have no protobuf message. */
const JSON_ONLY = new Set(['Table', 'TableColumnDefinition', 'TableRow', 'TableRowCondition'].map((t) => `io.k8s.apimachinery.pkg.apis.meta.v1.${t}`));

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const STRING_LISTS = new Set([`${META}.Verbs`, 'k8s.io.api.authentication.v1.ExtraValue']);

/** Yields [field number, varint value | bytes] for each field of one protobuf message. */
function* protoFields(buf: Buffer): Generator<[number, number | Buffer]> {
  let i = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = buf[i++];
      result += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return result;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const wireType = key & 7;
    const number = Math.floor(key / 8);
    if (wireType === 0) yield [number, varint()];
    else if (wireType === 2) {
      const length = varint();
      yield [number, buf.subarray(i, i + length)];
      i += length;
    } else if (wireType === 1) i += 8;
    else if (wireType === 5) i += 4;
    else throw new Error(`unexpected wire type ${wireType}`);
  }
}

/** Every message of every embedded file descriptor, by fully qualified name. */
function readDescriptors(binary: Buffer): Map<string, ProtoField[]> {
  const messages = new Map<string, ProtoField[]>();
  const addMessage = (buf: Buffer, prefix: string): void => {
    let name = '';
    const fields: ProtoField[] = [];
    const nested: Buffer[] = [];
    for (const [n, v] of protoFields(buf)) {
      if (n === 1) name = String(v);
      else if (n === 3) nested.push(v as Buffer);
      else if (n === 2) {
        const field: ProtoField = { name: '', number: 0 };
        for (const [fn, fv] of protoFields(v as Buffer)) {
          if (fn === 1) field.name = String(fv);
          if (fn === 3) field.number = fv as number;
          if (fn === 6) field.typeName = String(fv).replace(/^\./, '');
        }
        fields.push(field);
      }
    }
    messages.set(`${prefix}.${name}`, fields);
    for (const n of nested) addMessage(n, `${prefix}.${name}`);
  };
  for (let at = binary.indexOf(GZIP_MAGIC); at >= 0; at = binary.indexOf(GZIP_MAGIC, at + 1)) {
    let file: Buffer;
    try {
      file = gunzipSync(binary.subarray(at, at + 4_000_000), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      continue;
    }
    let pkg = '';
    let isDescriptor = false;
    try {
      for (const [n, v] of protoFields(file)) {
        if (n === 1) isDescriptor = String(v).endsWith('generated.proto');
        if (n === 2) pkg = String(v);
      }
      if (!isDescriptor || !pkg.startsWith('k8s.io.')) continue;
      for (const [n, v] of protoFields(file)) if (n === 4) addMessage(v as Buffer, pkg);
    } catch {
      continue;
    }
  }
  return messages;
}

function entryFor(field: ProtoField): Entry {
  if (field.typeName === `${META}.MicroTime`) return { number: field.number, encoding: 'MicroTime' };
  if (field.typeName && STRING_LISTS.has(field.typeName)) return { number: field.number, encoding: 'StringList' };
  return field.number;
}

function main(): void {
  const kubectl = process.argv[2] ?? '/usr/bin/kubectl';
  const messages = readDescriptors(readFileSync(kubectl));
  const schemaUrl = new URL('../src/api/schema/generated.json', import.meta.url);
  const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as Record<string, Omit<TypeSchema, 'name'>>;
  const out: Record<string, Record<string, Entry>> = {};
  const missing: string[] = [];
  for (const [typeName, type] of Object.entries(schema)) {
    if (JSON_ONLY.has(typeName)) continue;
    const fields = messages.get(typeName.replace(/^io\.k8s\./, 'k8s.io.')) ?? [];
    const newer = NEWER_FIELDS[typeName] ?? {};
    const entries: Record<string, Entry> = {};
    for (const jsonName of Object.keys(type.fields)) {
      if (Object.hasOwn(newer, jsonName)) {
        entries[jsonName] = newer[jsonName];
        continue;
      }
      // Go's protobuf names a few fields with other capitals than JSON does ("uID", "aPIGroup").
      const own = fields.find((f) => f.name === jsonName) ?? fields.find((f) => f.name.toLowerCase() === jsonName.toLowerCase());
      if (own) {
        entries[jsonName] = entryFor(own);
        continue;
      }
      // Top-level kinds carry apiVersion and kind in the runtime.Unknown envelope instead.
      if (jsonName === 'apiVersion' || jsonName === 'kind') continue;
      const inlined = fields
        .filter((f) => f.typeName && !Object.hasOwn(type.fields, f.name))
        .map((f) => ({ outer: f, inner: messages.get(f.typeName!)?.find((g) => g.name === jsonName) }))
        .find((x) => x.inner);
      if (inlined?.inner) entries[jsonName] = [inlined.outer.number, inlined.inner.number];
      else missing.push(`${typeName}.${jsonName}`);
    }
    out[typeName] = entries;
  }
  const lines = Object.entries(out).map(([name, entries]) => `${JSON.stringify(name)}:${JSON.stringify(entries)}`);
  writeFileSync(new URL('../src/api/schema/protobuf-fields.json', import.meta.url), `{\n${lines.join(',\n')}\n}\n`);
  if (missing.length) console.error(`not in ${kubectl}'s descriptors (left out):\n  ${missing.join('\n  ')}`);
}

main();
