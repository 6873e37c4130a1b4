/**
 * metadata.managedFields: who owns which fields of an object. Every write records its field
 * manager — an Update entry for create, update and patch (the fields it changed become its
 * own and leave every other manager), an Apply entry for server-side apply (the fields of its
 * configuration, see patch/apply.ts). Entries are keyed by manager, operation and
 * subresource, and kept in upstream's order (Apply before Update, then by time).
 */
import { formatTime } from '../api/time.ts';
import { badRequest, invalid } from './errors.ts';
import { compare, type Shape, type TrackedFields } from './managed-fields-paths.ts';
import { FieldSet, InvalidFieldsV1 } from './managed-fields-set.ts';
import type { KObject } from './registry/object-store.ts';

export type Operation = 'Apply' | 'Update';

/** One manager's ownership, decoded. */
export interface Manager {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  time?: string;
  fields: FieldSet;
  /**
   * The stored fieldsV1 `fields` was read from, written again as it is while the manager's
   * fields are still that set: a stored object's fieldsV1 is this server's own encoding, and
   * most writes leave most managers' fields alone.
   */
  stored?: { fields: FieldSet; fieldsV1: unknown };
}

/** Metadata fields no manager owns: the server sets them, or they name the object. */
const UNTRACKED_METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/**
 * Drops from a set what ownership never covers: apiVersion, kind, server-owned metadata, and
 * the part of the object the endpoint does not write (status on the main resource, everything
 * but status on /status).
 */
export function trackedFields(set: FieldSet, options: { hasStatus: boolean; subresource?: string }): FieldSet {
  return dropUntracked(set.clone(), options);
}

/** {@link trackedFields} on a set the caller owns: changes `out` and returns it. */
function dropUntracked(out: FieldSet, options: { hasStatus: boolean; subresource?: string }): FieldSet {
  out.member = false;
  out.children.delete('f:apiVersion');
  out.children.delete('f:kind');
  const meta = out.children.get('f:metadata');
  if (meta) {
    meta.member = false;
    for (const f of UNTRACKED_METADATA) meta.children.delete(`f:${f}`);
  }
  if (options.subresource === 'status') {
    for (const k of [...out.children.keys()]) if (k !== 'f:status') out.children.delete(k);
  } else if (options.hasStatus) {
    out.children.delete('f:status');
  }
  return out;
}

/**
 * The fields a write's comparison looks at: what dropUntracked would keep of its result, so the
 * rest (a pod's spec on a status write, managedFields itself) is not walked at all.
 */
function trackedBy(options: { hasStatus: boolean; subresource?: string }): TrackedFields {
  const status = options.subresource === 'status';
  return (path, name) => {
    if (path.length === 0) {
      if (status) return name === 'status';
      return name !== 'apiVersion' && name !== 'kind' && !(options.hasStatus && name === 'status');
    }
    return path[0] !== 'f:metadata' || !UNTRACKED_METADATA_SET.has(name);
  };
}
const UNTRACKED_METADATA_SET = new Set(UNTRACKED_METADATA);

/** Invalid metadata.managedFields in a request. */
function invalidManagedFields(message: string): Error {
  return badRequest(`metadata.managedFields: Invalid value: ${message}`);
}

/** Reads metadata.managedFields; throws 400 for entries that are not well formed. */
export function decodeManagedFields(entries: unknown): Manager[] {
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) throw invalidManagedFields('must be a list of entries');
  const out: Manager[] = [];
  for (const e of entries as KObject[]) {
    if (e === null || typeof e !== 'object') throw invalidManagedFields('each entry must be an object');
    // `[{}]` is how a client asks to clear every entry, as upstream.
    if (Object.keys(e).length === 0) continue;
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw invalidManagedFields(`operation must be Apply or Update, not ${JSON.stringify(e.operation)}`);
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') throw invalidManagedFields(`fieldsType must be FieldsV1, not ${JSON.stringify(e.fieldsType)}`);
    let fields: FieldSet;
    try {
      fields = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      if (err instanceof InvalidFieldsV1) throw invalidManagedFields(`fieldsV1 of ${JSON.stringify(e.manager)}: ${err.message}`);
      throw err;
    }
    out.push({ manager: String(e.manager ?? ''), operation: e.operation, apiVersion: String(e.apiVersion ?? ''), subresource: e.subresource || undefined, time: e.time, fields });
  }
  return out;
}

/** Writes managers as metadata.managedFields, in upstream's order; managers owning nothing are left out. */
export function encodeManagedFields(managers: Manager[]): KObject[] | undefined {
  const kept = managers.filter((m) => !m.fields.isEmpty());
  if (kept.length === 0) return undefined;
  kept.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const pt = p.time ? Date.parse(p.time) : 0;
    const qt = q.time ? Date.parse(q.time) : 0;
    if (pt !== qt) return pt - qt;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : 1;
  });
  return kept.map((m) => {
    const e: KObject = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.stored?.fields === m.fields ? m.stored.fieldsV1 : m.fields.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

/** Whether an entry belongs to this manager, operation and subresource. */
export function sameManager(m: Manager, manager: string, operation: Operation, subresource?: string): boolean {
  return m.manager === manager && m.operation === operation && (m.subresource ?? '') === (subresource ?? '');
}

/**
 * The field manager of a write: the fieldManager parameter, else the client's User-Agent up to
 * its first "/", as upstream. Apply requires the parameter.
 */
export function fieldManagerOf(query: URLSearchParams, userAgent: string | undefined, apply: boolean): string {
  const given = query.get('fieldManager');
  if (given !== null && given !== '') {
    if (given.length > 128) throw invalidOptions('fieldManager', given, 'must be no more than 128 characters');
    if (!/^[\x20-\x7e]*$/.test(given)) throw invalidOptions('fieldManager', given, 'must only contain printable characters');
    return given;
  }
  if (apply) {
    throw invalid('PatchOptions', 'meta.k8s.io', '', [{ type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' }]);
  }
  return [...(userAgent ?? '').split('/')[0]].filter((c) => c >= ' ' && c !== '\x7f').join('').slice(0, 128);
}

function invalidOptions(field: string, value: string, detail: string): Error {
  return invalid('PatchOptions', 'meta.k8s.io', '', [{ type: 'FieldValueInvalid', field, value, detail }]);
}

/** What one Update-operation write needs to record its manager. */
export interface UpdateRecord {
  manager: string;
  apiVersion: string;
  subresource?: string;
  hasStatus: boolean;
  shape: Shape;
  now: Date;
}

/**
 * The managers after an ordinary write turned `live` (undefined on create) into `next`: the
 * writer's Update entry gains what it added or changed and loses what it removed; every other
 * manager loses those fields. `base` is the ownership before the write.
 */
export function recordUpdate(base: Manager[], live: KObject | undefined, next: KObject, rec: UpdateRecord): Manager[] {
  const diff = compare(live, next, rec.shape, trackedBy(rec));
  const scope = { hasStatus: rec.hasStatus, subresource: rec.subresource };
  // The comparison's sets are this call's own, so they are narrowed in place, and the set
  // operations below are skipped where an operand is empty (a create removes nothing and
  // starts from no managers): every write runs this, and each copy is a tree of Maps.
  const changed = dropUntracked(diff.modified.isEmpty() ? diff.added : diff.added.union(diff.modified), scope);
  const removed = dropUntracked(diff.removed, scope);
  const managers = base.map((m) => ({ ...m }));
  const nothingRemoved = removed.isEmpty();
  if (changed.isEmpty() && nothingRemoved) return managers;
  const taken = nothingRemoved ? changed : changed.union(removed);
  for (const m of managers) {
    if (sameManager(m, rec.manager, 'Update', rec.subresource)) continue;
    m.fields = m.fields.difference(taken);
  }
  let own = managers.find((m) => sameManager(m, rec.manager, 'Update', rec.subresource));
  if (!own) {
    own = { manager: rec.manager, operation: 'Update', apiVersion: rec.apiVersion, subresource: rec.subresource, fields: new FieldSet() };
    managers.push(own);
  }
  const owned = own.fields.isEmpty() ? changed : own.fields.union(changed);
  own.fields = nothingRemoved ? owned : owned.difference(removed);
  own.apiVersion = rec.apiVersion;
  own.time = formatTime(rec.now);
  return managers;
}

/**
 * The ownership a write starts from: the managedFields the client sent, when it sent a
 * non-empty, well-formed list on the main resource (that is how a client rewrites ownership,
 * as kubectl does when it moves a client-side-applied object to server-side apply), else the
 * stored object's.
 */
export function baseManagers(submitted: unknown, live: KObject | undefined, subresource?: string): Manager[] {
  if (!subresource && Array.isArray(submitted) && submitted.length > 0) {
    try {
      return decodeManagedFields(submitted);
    } catch {
      // Upstream falls back to the stored ownership when the sent one cannot be read.
    }
  }
  if (!live) return [];
  const managers = decodeManagedFields(live.metadata?.managedFields);
  const entries = (live.metadata?.managedFields ?? []) as KObject[];
  // Entries `[{}]`-style are skipped by decoding; pair the rest back with what they were read from.
  const stored = entries.filter((e) => e !== null && typeof e === 'object' && Object.keys(e).length > 0);
  if (stored.length === managers.length) managers.forEach((m, i) => (m.stored = { fields: m.fields, fieldsV1: stored[i].fieldsV1 ?? {} }));
  return managers;
}
