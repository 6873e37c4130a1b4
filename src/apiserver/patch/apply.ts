/**
 * Server-side apply (`application/apply-patch+yaml`) as a pure function: the applier's
 * configuration is merged into the live object by the schema's list semantics; fields the
 * applier set last time and no longer sets are removed unless another manager owns them; a
 * change to a field another manager owns is a conflict (409) unless forced, in which case that
 * manager loses the field. The applier's Apply entry becomes exactly the fields of its
 * configuration.
 */
import { formatTime } from '../../api/time.ts';
import { StatusError } from '../errors.ts';
import { sameManager, trackedFields, type Manager } from '../managed-fields.ts';
import { childShape, compare, fieldSetOf, itemElement, valueElement, deepEqual, type Shape } from '../managed-fields-paths.ts';
import { FieldSet, formatPath, type FieldPath } from '../managed-fields-set.ts';
import type { KObject } from '../registry/object-store.ts';

export interface ApplyRequest {
  /** The stored object; undefined when apply creates it. */
  live: KObject | undefined;
  /** The applier's configuration (the PATCH body). */
  config: KObject;
  /** Ownership before the apply. */
  managers: Manager[];
  manager: string;
  force: boolean;
  shape: Shape;
  apiVersion: string;
  hasStatus: boolean;
  subresource?: string;
  now: Date;
  /**
   * Conflicting paths that may be taken over without force (see apply-last-applied.ts);
   * called only when there are conflicts.
   */
  allowedConflicts?: () => FieldSet | undefined;
}

export interface ApplyResult {
  object: KObject;
  managers: Manager[];
}

/** One field another manager owns and the apply would change. */
export interface Conflict {
  manager: Manager;
  path: FieldPath;
}

/** How upstream names a manager in a conflict: Update managers with the version they wrote. */
function describeManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

/** 409 Conflict listing every conflicting field by manager, in upstream's wording. */
export function applyConflictError(conflicts: Conflict[]): StatusError {
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0].manager)}: ${formatPath(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const name = describeManager(c.manager);
      byManager.set(name, [...(byManager.get(name) ?? []), formatPath(c.path)]);
    }
    const lines: string[] = [];
    for (const name of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${name}:`);
      for (const p of byManager.get(name)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, {
    causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(c.manager)}`, field: formatPath(c.path) })),
  });
}

/** Applies a configuration; throws the 409 of {@link applyConflictError} on unforced conflicts. */
export function serverSideApply(req: ApplyRequest): ApplyResult {
  const scope = { hasStatus: req.hasStatus, subresource: req.subresource };
  const configSet = trackedFields(fieldSetOf(req.config, req.shape), scope);
  const own = req.managers.find((m) => sameManager(m, req.manager, 'Apply', req.subresource));
  const others = req.managers.filter((m) => m !== own);
  let othersOwn = new FieldSet();
  for (const m of others) othersOwn = othersOwn.union(m.fields);

  const merged = merge(req.live ?? {}, req.config, req.shape) as KObject;
  const dropped = (own?.fields ?? new FieldSet()).difference(configSet);
  // A field stays while anyone — another manager, or this configuration — owns it or something
  // inside it (a map whose keys are still applied stays, as upstream keeps it).
  const kept = othersOwn.union(configSet);
  // Outermost first: a removed list item takes its fields with it, and its key is still there to find it by.
  for (const path of dropped.paths()) {
    if (!kept.hasPrefixOf(path)) removePath(merged, path, req.shape);
  }

  const diff = compare(req.live, merged, req.shape);
  const changed = trackedFields(diff.added.union(diff.modified).union(diff.removed), scope).intersection(configSet);
  const conflicts: Conflict[] = [];
  // Every other entry counts, the applier's own Update entries too: they are other owners, as upstream.
  for (const m of others) {
    for (const path of m.fields.intersection(changed).paths()) conflicts.push({ manager: m, path });
  }
  if (conflicts.length > 0 && !req.force) {
    const allowed = req.allowedConflicts?.();
    const unresolved = conflicts.filter((c) => !allowed?.has(c.path));
    if (unresolved.length > 0) throw applyConflictError(unresolved);
  }

  const taken = new FieldSet();
  for (const c of conflicts) taken.insert(c.path);
  const managers: Manager[] = others.map((m) => ({ ...m, fields: m.fields.difference(taken) }));
  managers.push({
    manager: req.manager,
    operation: 'Apply',
    apiVersion: req.apiVersion,
    subresource: req.subresource,
    time: formatTime(req.now),
    fields: configSet,
  });
  return { object: merged, managers };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The configuration laid over the live value: maps and structs by field, keyed lists by key, sets by member. */
function merge(live: unknown, config: unknown, shape: Shape): unknown {
  if ((shape.kind === 'struct' || shape.kind === 'map') && isObject(config)) {
    const out: Record<string, unknown> = isObject(live) ? structuredClone(live) : {};
    for (const [k, v] of Object.entries(config)) {
      if (v === null) delete out[k];
      else out[k] = merge(out[k], v, childShape(shape, k));
    }
    return out;
  }
  if (shape.kind === 'keyed-list' && Array.isArray(config)) {
    const out = Array.isArray(live) ? structuredClone(live) : [];
    const index = new Map(out.map((item, i) => [itemElement(item, shape.keys), i]));
    for (const item of config) {
      const el = itemElement(item, shape.keys);
      const at = index.get(el);
      if (at === undefined) {
        index.set(el, out.length);
        out.push(structuredClone(item));
      } else {
        out[at] = merge(out[at], item, shape.items);
      }
    }
    return out;
  }
  if (shape.kind === 'set' && Array.isArray(config)) {
    const out = Array.isArray(live) ? structuredClone(live) : [];
    for (const v of config) if (!out.some((x) => deepEqual(x, v))) out.push(structuredClone(v));
    return out;
  }
  return structuredClone(config);
}

/** Removes the value at a path, if it is there. */
function removePath(root: unknown, path: FieldPath, shape: Shape): void {
  let node: unknown = root;
  let s = shape;
  for (let i = 0; i < path.length; i++) {
    const el = path[i];
    const last = i === path.length - 1;
    if (el.startsWith('f:') && isObject(node)) {
      const name = el.slice(2);
      if (last) {
        delete node[name];
        return;
      }
      node = node[name];
      s = childShape(s, name);
    } else if (el.startsWith('k:') && Array.isArray(node) && s.kind === 'keyed-list') {
      const keys = s.keys;
      const at = node.findIndex((item) => itemElement(item, keys) === el);
      if (at < 0) return;
      if (last) {
        node.splice(at, 1);
        return;
      }
      node = node[at];
      s = s.items;
    } else if (el.startsWith('v:') && Array.isArray(node) && last) {
      const at = node.findIndex((v) => valueElement(v) === el);
      if (at >= 0) node.splice(at, 1);
      return;
    } else {
      return;
    }
  }
}
