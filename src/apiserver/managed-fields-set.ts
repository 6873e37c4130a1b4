/**
 * A set of field paths, as server-side apply tracks ownership: a tree whose edges are path
 * elements in fieldsV1's spelling — `f:name` (a field or map key), `k:{"name":"c"}` (the item of
 * a keyed list), `v:"x"` (the member of a set), `i:3` (the item of a list by position) — and
 * whose nodes say whether the path they end is itself in the set. The fieldsV1 JSON of
 * metadata.managedFields is this tree, with `.` marking a member that also has members below.
 */

/** One path: its elements, outermost first, e.g. ["f:spec", "f:replicas"]. */
export type FieldPath = readonly string[];

export class FieldSet {
  /** Whether the path ending at this node is in the set. */
  member = false;
  readonly children = new Map<string, FieldSet>();

  /** Adds a path (the empty path is the root). */
  insert(path: FieldPath): void {
    let node: FieldSet = this;
    for (const el of path) {
      let next = node.children.get(el);
      if (!next) node.children.set(el, (next = new FieldSet()));
      node = next;
    }
    node.member = true;
  }

  has(path: FieldPath): boolean {
    return this.node(path)?.member ?? false;
  }

  /** Whether the path or any path below it is in the set. */
  hasPrefixOf(path: FieldPath): boolean {
    const n = this.node(path);
    return !!n && !n.isEmpty();
  }

  /** The subtree at a path, if any. */
  node(path: FieldPath): FieldSet | undefined {
    let node: FieldSet | undefined = this;
    for (const el of path) {
      node = node.children.get(el);
      if (!node) return undefined;
    }
    return node;
  }

  isEmpty(): boolean {
    if (this.member) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** Every member path, depth first in element order. */
  paths(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    if (this.member) out.push(prefix);
    for (const key of [...this.children.keys()].sort(compareElements)) out.push(...this.children.get(key)!.paths([...prefix, key]));
    return out;
  }

  clone(): FieldSet {
    const copy = new FieldSet();
    copy.member = this.member;
    for (const [k, v] of this.children) copy.children.set(k, v.clone());
    return copy;
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    mergeInto(out, other);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    return without(this, other) ?? new FieldSet();
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const p of this.paths()) if (other.has(p)) out.insert(p);
    return out;
  }

  /** The fieldsV1 JSON of this set. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys = [...this.children.keys()].filter((k) => !this.children.get(k)!.isEmpty()).sort(compareElements);
    if (this.member && keys.length > 0) out['.'] = {};
    for (const k of keys) out[k] = this.children.get(k)!.toFieldsV1();
    return out;
  }

  /** Reads fieldsV1 JSON; throws {@link InvalidFieldsV1} when it is not of that shape. */
  static fromFieldsV1(json: unknown): FieldSet {
    const set = new FieldSet();
    read(set, json, true);
    return set;
  }
}

/**
 * Adds the members of `from` to `into`, node by node (a write's diff is merged on every write,
 * so this walks the two trees once rather than listing and re-inserting every path). Subtrees
 * without members are not copied, as inserting `from`'s paths would not make them.
 */
function mergeInto(into: FieldSet, from: FieldSet): void {
  if (from.member) into.member = true;
  for (const [k, child] of from.children) {
    if (child.isEmpty()) continue;
    let target = into.children.get(k);
    if (!target) into.children.set(k, (target = new FieldSet()));
    mergeInto(target, child);
  }
}

/**
 * The members of `set` that `minus` lacks; undefined when none. Subtrees that lose nothing are
 * `set`'s own (and `set` itself when nothing goes): most writes take nothing from most
 * managers, and copying their sets on every write was most of the cost of recording one.
 * Sets are never changed in place once built, so sharing them is safe.
 */
function without(set: FieldSet, minus: FieldSet | undefined): FieldSet | undefined {
  if (!minus) return set.isEmpty() ? undefined : set;
  const member = set.member && !minus.member;
  let changed = member !== set.member;
  const kept = new Map<string, FieldSet>();
  for (const [k, child] of set.children) {
    const rest = without(child, minus.children.get(k));
    if (rest !== child) changed = true;
    if (rest) kept.set(k, rest);
  }
  if (!member && kept.size === 0) return undefined;
  if (!changed) return set;
  const out = new FieldSet();
  out.member = member;
  for (const [k, rest] of kept) out.children.set(k, rest);
  return out;
}

/** fieldsV1 that is not a tree of path elements. */
export class InvalidFieldsV1 extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFieldsV1';
  }
}

function read(node: FieldSet, json: unknown, root: boolean): void {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InvalidFieldsV1('expected a map of path elements');
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length === 0 && !root) node.member = true;
  for (const [k, v] of entries) {
    if (k === '.') {
      node.member = true;
      continue;
    }
    if (!/^[fkvi]:/.test(k)) throw new InvalidFieldsV1(`unknown path element "${k}"`);
    const child = new FieldSet();
    node.children.set(k, child);
    read(child, v, false);
  }
}

const ELEMENT_ORDER = 'fkvi';

/** Upstream's order of path elements: fields, then keys, then values, then indexes; each sorted. */
export function compareElements(a: string, b: string): number {
  const d = ELEMENT_ORDER.indexOf(a[0]) - ELEMENT_ORDER.indexOf(b[0]);
  if (d !== 0) return d;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A path as upstream prints it in conflict messages: `.spec.containers[name="app"].image`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const el of path) {
    const body = el.slice(2);
    switch (el[0]) {
      case 'f':
        out += `.${body}`;
        break;
      case 'k': {
        const key = JSON.parse(body) as Record<string, unknown>;
        out += `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
        break;
      }
      case 'v':
        out += `[=${body}]`;
        break;
      default:
        out += `[${body}]`;
    }
  }
  return out;
}
