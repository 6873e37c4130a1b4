/**
 * The field paths of an object, by its schema: which paths a value sets (what an applier owns)
 * and which paths differ between two versions of an object (what an updater takes over). Lists
 * follow their server-side apply list type — a keyed list's items are `k:{...}` paths, a set's
 * members `v:` paths, an atomic list is one field — and structs upstream marks atomic (label
 * selectors, object references) are one field too.
 */
import { typeByName } from '../api/schema/index.ts';
import type { FieldSchema, FieldType, TypeSchema } from '../api/schema/types.ts';
import { FieldSet } from './managed-fields-set.ts';

/** How a node of an object is tracked. */
export type Shape =
  | { kind: 'leaf' }
  | { kind: 'struct'; type: TypeSchema }
  | { kind: 'map'; values: Shape }
  | { kind: 'keyed-list'; keys: string[]; items: Shape }
  | { kind: 'set' };

const LEAF: Shape = { kind: 'leaf' };

/** Structs upstream declares `x-kubernetes-map-type: atomic`: replaced whole, owned as one field. */
const ATOMIC_STRUCTS = new Set(
  [
    'apimachinery.pkg.apis.meta.v1.LabelSelector',
    'api.core.v1.LocalObjectReference',
    'api.core.v1.ObjectReference',
    'api.core.v1.TypedLocalObjectReference',
    'api.core.v1.ConfigMapKeySelector',
    'api.core.v1.SecretKeySelector',
    'api.core.v1.ObjectFieldSelector',
    'api.core.v1.ResourceFieldSelector',
    'api.core.v1.NodeSelector',
    'api.core.v1.NodeSelectorTerm',
    'api.core.v1.TopologySelectorTerm',
    'api.core.v1.SecretReference',
  ].map((n) => `io.k8s.${n}`),
);

/** Key fields whose absence in an item means upstream's default, which is part of the item's key. */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

function shapeOfType(t: FieldType, facts?: Pick<FieldSchema, 'listType' | 'listMapKeys'>): Shape {
  switch (t.kind) {
    case 'ref': {
      if (ATOMIC_STRUCTS.has(t.ref)) return LEAF;
      const type = typeByName(t.ref);
      return type ? { kind: 'struct', type } : LEAF;
    }
    case 'map':
      return { kind: 'map', values: shapeOfType(t.values) };
    case 'array':
      if (facts?.listType === 'map' && facts.listMapKeys?.length) return { kind: 'keyed-list', keys: facts.listMapKeys, items: shapeOfType(t.items) };
      if (facts?.listType === 'set') return { kind: 'set' };
      return LEAF;
    default:
      return LEAF;
  }
}

/** Objects of a kind the schema does not know: maps all the way down, lists atomic. */
const UNTYPED: Shape = { kind: 'map', values: LEAF };
(UNTYPED as { values: Shape }).values = UNTYPED;

/** The shape of a top-level object of a schema type (undefined: a kind without a schema). */
export function objectShape(type: TypeSchema | undefined): Shape {
  return type ? { kind: 'struct', type } : UNTYPED;
}

/** The shape of a field of a struct or map node; unknown fields are single leaves. */
export function childShape(shape: Shape, name: string): Shape {
  if (shape.kind === 'map') return shape.values;
  if (shape.kind !== 'struct') return LEAF;
  const f = Object.hasOwn(shape.type.fields, name) ? shape.type.fields[name] : undefined;
  if (!f) return LEAF;
  let child = FIELD_SHAPES.get(f);
  if (!child) FIELD_SHAPES.set(f, (child = shapeOfType(f.type, f)));
  return child;
}

/** A field's shape, made once per schema field (the walks ask for it at every node). */
const FIELD_SHAPES = new WeakMap<FieldSchema, Shape>();

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The `k:` element of an item of a keyed list: its key fields, sorted, as JSON. */
export function itemElement(item: unknown, keys: string[]): string {
  const key: Record<string, unknown> = {};
  for (const k of [...keys].sort()) {
    const v = isObject(item) ? item[k] : undefined;
    if (v !== undefined) key[k] = v;
    else if (k in KEY_DEFAULTS) key[k] = KEY_DEFAULTS[k];
  }
  return `k:${JSON.stringify(key)}`;
}

/** The `v:` element of a member of a set. */
export function valueElement(v: unknown): string {
  return `v:${JSON.stringify(v)}`;
}

/** The element of each child of a node, with the child's value and shape. */
export function childrenOf(value: unknown, shape: Shape): Array<{ element: string; value: unknown; shape: Shape }> {
  if ((shape.kind === 'struct' || shape.kind === 'map') && isObject(value)) {
    return Object.entries(value).map(([k, v]) => ({ element: `f:${k}`, value: v, shape: childShape(shape, k) }));
  }
  if (shape.kind === 'keyed-list' && Array.isArray(value)) {
    return value.map((item) => ({ element: itemElement(item, shape.keys), value: item, shape: shape.items }));
  }
  if (shape.kind === 'set' && Array.isArray(value)) return value.map((v) => ({ element: valueElement(v), value: v, shape: LEAF }));
  return [];
}

/** Whether a node's children are tracked one by one (so the node itself is not a leaf). */
function isComposite(value: unknown, shape: Shape): boolean {
  if (shape.kind === 'struct' || shape.kind === 'map') return isObject(value) && Object.keys(value).length > 0;
  if (shape.kind === 'keyed-list' || shape.kind === 'set') return Array.isArray(value);
  return false;
}

/**
 * The paths a value sets: every leaf, every item of a keyed list, every member of a set; an
 * empty object is a leaf. What an applier owns is this set of its configuration.
 */
export function fieldSetOf(value: unknown, shape: Shape): FieldSet {
  const set = new FieldSet();
  walkSet(value, shape, [], set, true);
  return set;
}

function walkSet(value: unknown, shape: Shape, path: string[], set: FieldSet, root: boolean): void {
  if (!isComposite(value, shape)) {
    if (!root) set.insert(path);
    return;
  }
  for (const c of childrenOf(value, shape)) {
    const childPath = [...path, c.element];
    if (shape.kind === 'keyed-list') set.insert(childPath);
    walkSet(c.value, c.shape, childPath, set, false);
  }
}

/** How `next` differs from `live`, path by path. */
export interface Comparison {
  /** Paths `next` has and `live` has not (a new map or list item counts as a path itself). */
  added: FieldSet;
  /** Leaves present in both with different values. */
  modified: FieldSet;
  /** Paths `live` has and `next` has not, with everything below them. */
  removed: FieldSet;
}

/** Compares two versions of an object (either may be undefined: nothing). */
export function compare(live: unknown, next: unknown, shape: Shape, tracked?: TrackedFields): Comparison {
  const out: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(live, next, shape, [], out, true, false, tracked);
  return out;
}

/**
 * Which fields near the top a comparison looks at: asked for the fields of the object (`path`
 * empty) and of its top-level structs (`path` one element, e.g. ["f:metadata"]); undefined: all.
 */
export type TrackedFields = (path: readonly string[], name: string) => boolean;

/**
 * `path` is one array, pushed and popped as the walk descends (FieldSet.insert copies what it
 * keeps), and struct and map children are read straight off the objects: every write of every
 * object runs this over the whole object, and per-node arrays, Maps and path copies were a
 * quarter of a busy control plane's allocations. `tracked` skips what the caller does not track
 * (a status write tracks only status; server-owned metadata is nobody's).
 */
function walkCompare(live: unknown, next: unknown, shape: Shape, path: string[], out: Comparison, root: boolean, item: boolean, tracked?: TrackedFields): void {
  if (live === undefined && next === undefined) return;
  const liveComposite = isComposite(live, shape);
  const nextComposite = isComposite(next, shape);
  if (!root) {
    if (live === undefined) {
      // A new struct field is not a path of its own (upstream's structs always exist); a new map, list item or leaf is.
      if (item || !nextComposite || shape.kind !== 'struct') out.added.insert(path);
    } else if (next === undefined) {
      out.removed.insert(path);
      insertBelow(out.removed, path, live, shape);
      return;
    } else if (!liveComposite || !nextComposite) {
      if (!deepEqual(live, next)) {
        out.modified.insert(path);
        if (liveComposite) insertBelow(out.removed, path, live, shape);
        if (nextComposite) insertBelow(out.added, path, next, shape);
      }
      return;
    }
  }
  if (!nextComposite && !liveComposite) return;
  if (shape.kind === 'struct' || shape.kind === 'map') {
    const liveObject = isObject(live) ? live : undefined;
    const nextObject = isObject(next) ? next : undefined;
    const ask = tracked !== undefined && path.length <= 1;
    if (nextObject) {
      for (const k in nextObject) {
        if (!Object.hasOwn(nextObject, k) || (ask && !tracked(path, k))) continue;
        path.push(fieldElement(shape, k));
        walkCompare(liveObject && Object.hasOwn(liveObject, k) ? liveObject[k] : undefined, nextObject[k], childShape(shape, k), path, out, false, false, tracked);
        path.pop();
      }
    }
    if (liveObject) {
      for (const k in liveObject) {
        if (!Object.hasOwn(liveObject, k) || (nextObject && Object.hasOwn(nextObject, k)) || (ask && !tracked(path, k))) continue;
        path.push(fieldElement(shape, k));
        walkCompare(liveObject[k], undefined, childShape(shape, k), path, out, false, false, tracked);
        path.pop();
      }
    }
    return;
  }
  const liveChildren = new Map(childrenOf(live, shape).map((c) => [c.element, c]));
  const nextChildren = new Map(childrenOf(next, shape).map((c) => [c.element, c]));
  const items = shape.kind === 'keyed-list';
  for (const [el, c] of nextChildren) {
    path.push(el);
    walkCompare(liveChildren.get(el)?.value, c.value, c.shape, path, out, false, items);
    path.pop();
  }
  for (const [el, c] of liveChildren) {
    if (nextChildren.has(el)) continue;
    path.push(el);
    walkCompare(c.value, undefined, c.shape, path, out, false, items);
    path.pop();
  }
}

/** Adds to `set` every path `value` sets, below `path`. */
function insertBelow(set: FieldSet, path: string[], value: unknown, shape: Shape): void {
  for (const p of fieldSetOf(value, shape).paths()) set.insert([...path, ...p]);
}

/** `f:<name>`; a schema's field names are few, so theirs are made once. */
const STRUCT_ELEMENTS = new Map<string, string>();
function fieldElement(shape: Shape, name: string): string {
  if (shape.kind !== 'struct') return `f:${name}`;
  let el = STRUCT_ELEMENTS.get(name);
  if (el === undefined && STRUCT_ELEMENTS.size < 10_000) STRUCT_ELEMENTS.set(name, (el = `f:${name}`));
  return el ?? `f:${name}`;
}

/** Structural equality of JSON values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
