/**
 * The loaded schema: generated.json (names and types, from scripts/gen-schema.ts) with the
 * strategic-merge facts of merge-keys.ts laid over it. Read once, on first use, so that
 * commands that never touch the schema pay nothing for it.
 */
import { readFileSync } from 'node:fs';
import { MERGE_KEYS, type ListFacts } from './merge-keys.ts';
import type { FieldSchema, TypeSchema } from './types.ts';

interface Loaded {
  byName: Map<string, TypeSchema>;
  /** "group/version/kind" → type. */
  byKind: Map<string, TypeSchema>;
  all: TypeSchema[];
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Kinds every group-version accepts as a body or returns (upstream lists them under each group-version). */
const META_KINDS_IN_EVERY_GROUP = new Set(['DeleteOptions', 'WatchEvent']);

let loaded: Loaded | undefined;

/** "io.k8s.api.core.v1.PodSpec" → "core.v1.PodSpec", the form merge-keys.ts uses. */
function shortName(name: string): string {
  if (name.startsWith(`${META}.`)) return `meta.v1.${name.slice(META.length + 1)}`;
  return name.replace(/^io\.k8s\.api\./, '');
}

function applyListFacts(byName: Map<string, TypeSchema>): void {
  const byShort = new Map<string, TypeSchema>();
  for (const t of byName.values()) byShort.set(shortName(t.name), t);
  for (const [key, facts] of Object.entries(MERGE_KEYS) as Array<[string, ListFacts]>) {
    const dot = key.lastIndexOf('.');
    const type = byShort.get(key.slice(0, dot));
    const field = type && ownField(type, key.slice(dot + 1));
    if (!type || !field) throw new Error(`merge-keys.ts: ${key} names no field of the schema`);
    Object.assign(field, facts);
  }
}

function load(): Loaded {
  const raw = JSON.parse(readFileSync(new URL('./generated.json', import.meta.url), 'utf8')) as Record<string, Omit<TypeSchema, 'name'>>;
  const byName = new Map<string, TypeSchema>();
  const byKind = new Map<string, TypeSchema>();
  for (const [name, rest] of Object.entries(raw)) {
    const type: TypeSchema = { name, ...rest };
    byName.set(name, type);
    if (type.gvk) byKind.set(`${type.gvk.group}/${type.gvk.version}/${type.gvk.kind}`, type);
  }
  applyListFacts(byName);
  return { byName, byKind, all: [...byName.values()] };
}

function schema(): Loaded {
  loaded ??= load();
  return loaded;
}

/** The type of that upstream name ("io.k8s.api.core.v1.Container"), if the schema has it. */
export function typeByName(name: string): TypeSchema | undefined {
  return schema().byName.get(name);
}

/** The top-level type of a kind ("apps", "v1", "Deployment"); '' is the core group. */
export function typeForKind(group: string, version: string, kind: string): TypeSchema | undefined {
  const { byKind } = schema();
  const exact = byKind.get(`${group}/${version}/${kind}`);
  if (exact) return exact;
  if (META_KINDS_IN_EVERY_GROUP.has(kind)) return byKind.get(`/v1/${kind}`);
  return undefined;
}

/** Every type of the schema, in name order. */
export function allTypes(): TypeSchema[] {
  return schema().all;
}

/** One field of a named type, with its list and merge facts. */
export function fieldSchema(typeName: string, field: string): FieldSchema | undefined {
  const type = typeByName(typeName);
  return type && ownField(type, field);
}

/** A field the type itself declares (never one of Object.prototype's names such as "constructor"). */
export function ownField(type: TypeSchema, field: string): FieldSchema | undefined {
  return Object.hasOwn(type.fields, field) ? type.fields[field] : undefined;
}
