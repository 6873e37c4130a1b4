/**
 * Strategic merge patch (`application/strategic-merge-patch+json`): a JSON merge patch that
 * knows, from the schema, which lists are sets keyed by a field (containers by `name`, ports by
 * `containerPort`, finalizers as a set of strings) and merges them item by item instead of
 * replacing them. It is what `kubectl apply`, `edit` and `patch` send for built-in kinds.
 *
 * Schema metadata, per field: `patchStrategy` "merge" (merge the list, or the map), "replace",
 * "retainKeys", "merge,retainKeys"; `patchMergeKey` for lists of objects. Fields the schema does
 * not know merge as in a JSON merge patch.
 *
 * Directives in the patch:
 * - `$patch: replace` in an object replaces it whole; `$patch: delete` empties it; `$patch: merge`
 *   is the default, spelled out.
 * - In a merged list: an item `{<key>: v, $patch: delete}` removes the items with that key; an
 *   item `{$patch: replace}` makes the list's other items replace the list.
 * - `$setElementOrder/<list>`: the order of the resulting list (items the patch does not name keep
 *   their place relative to the named ones, as they were in the object).
 * - `$deleteFromPrimitiveList/<list>`: values to remove from a merged list of scalars.
 * - `$retainKeys: [...]`: members of the object not listed are cleared (union types such as a
 *   Deployment's strategy or a volume's source).
 * - null deletes a field.
 *
 * Without `$setElementOrder`, a merged list keeps the object's order for the items it had and
 * puts the patch's new items first, as upstream does.
 */
import type { FieldSchema, FieldType, TypeSchema } from '../../api/schema/types.ts';
import { badRequest, internalError, StatusError } from '../errors.ts';
import { checkOrderCoversPatch, keyOf, normalizeOrder, partition } from './element-order.ts';
import { patchDoesNotApply } from './errors.ts';
import { cloneJson, goFormat, isJsonObject, jsonTypeName, memberOf, setMember, withoutNulls, type JsonObject } from './json-value.ts';

/** Resolves a `ref` field type's name (e.g. "io.k8s.api.core.v1.Container") to its schema. */
export type TypeLookup = (typeName: string) => TypeSchema | undefined;

const PATCH_DIRECTIVE = '$patch';
const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList/';

/**
 * Applies a strategic merge patch to `original` (an object of schema `type`) and returns the
 * result; neither argument is changed.
 * @throws StatusError 400 BadRequest for a patch that is not an object or a malformed directive,
 *   422 Invalid for a list of lists.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, type: TypeSchema, lookup: TypeLookup): unknown {
  if (patch !== null && !isJsonObject(patch)) {
    throw badRequest(`json: cannot unmarshal ${jsonTypeName(patch)} into Go value of type map[string]interface {}`);
  }
  const merger = new StrategicMerger(lookup);
  const start = isJsonObject(original) ? cloneJson(original) : {};
  return merger.mergeObject(start, cloneJson(patch ?? {}), fieldsOf(type));
}

/** What the schema says of each member of an object: its field, or undefined when unknown. */
type Members = (key: string) => FieldSchema | undefined;

const unknownMembers: Members = () => undefined;

function fieldsOf(type: TypeSchema): Members {
  return (key) => (Object.hasOwn(type.fields, key) ? type.fields[key] : undefined);
}

/** The strategy for the value of `field`, retainKeys aside: "merge", "replace" or "" (the type's default). */
function strategyOf(field: FieldSchema | undefined): string {
  const strategies = (field?.patchStrategy ?? '').split(',').map((s) => s.trim());
  return strategies.find((s) => s === 'merge' || s === 'replace') ?? '';
}

function badDirective(directive: unknown, where: unknown): StatusError {
  return badRequest(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(where)}`);
}

const badPrimitiveList = () => badRequest('invalid patch format of primitive list');
const badRetainKeys = () => badRequest('invalid patch format of retainKeys');
const badSetElementOrder = () => badRequest('invalid patch format of setElementOrder list');

/** Whether a list holds objects or scalars; lists of lists and mixed lists cannot be merged. */
function elementKind(...lists: unknown[][]): 'object' | 'scalar' {
  let kind: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = jsonTypeName(v);
      if (kind === undefined) {
        if (k === 'array') throw patchDoesNotApply('lists of lists are not supported');
        kind = k;
      } else if (k !== kind) {
        throw badRequest(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  return kind === 'object' ? 'object' : 'scalar';
}

/** One patch application; holds the type lookup so the recursion need not pass it along. */
class StrategicMerger {
  constructor(private readonly lookup: TypeLookup) {}

  /** The members of an object whose field type is `type`: a named type's fields or a map's values. */
  private membersOf(type: FieldType | undefined): Members {
    if (type?.kind === 'ref') {
      const schema = this.lookup(type.ref);
      return schema ? fieldsOf(schema) : unknownMembers;
    }
    if (type?.kind === 'map') {
      const values: FieldSchema = { type: type.values };
      return () => values;
    }
    return unknownMembers;
  }

  /** Merges `patch` into `original`; both are this merge's own copies, changed in place. */
  mergeObject(original: JsonObject, patch: JsonObject, members: Members): JsonObject {
    if (Object.hasOwn(patch, PATCH_DIRECTIVE)) {
      const directive = patch[PATCH_DIRECTIVE];
      delete patch[PATCH_DIRECTIVE];
      if (directive === 'replace') return withoutNulls(patch) as JsonObject;
      if (directive === 'delete') return {};
      if (directive !== 'merge') throw badDirective(directive, { ...patch, [PATCH_DIRECTIVE]: directive });
    }
    this.retainKeys(original, patch);
    this.setElementOrders(original, patch, members);

    const deletions: [string, unknown][] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
        deletions.push([key.slice(DELETE_FROM_PRIMITIVE_LIST_PREFIX.length), value]);
      } else if (value === null) {
        delete original[key];
      } else if (Object.hasOwn(original, key)) {
        setMember(original, key, this.mergeValue(original[key], value, members(key)));
      } else {
        setMember(original, key, this.newValue(value, members(key)));
      }
    }
    // Deletions run after additions so that a value named in both ends up removed.
    for (const [key, values] of deletions) {
      if (!key || !Array.isArray(values)) throw badPrimitiveList();
      const current = memberOf(original, key);
      if (Array.isArray(current)) setMember(original, key, current.filter((v) => !values.includes(v)));
    }
    return original;
  }

  private mergeValue(current: unknown, value: unknown, field: FieldSchema | undefined): unknown {
    if (isJsonObject(current) && isJsonObject(value)) {
      return strategyOf(field) === 'replace' ? withoutNulls(value) : this.mergeObject(current, value, this.membersOf(field?.type));
    }
    if (Array.isArray(current) && Array.isArray(value)) return this.mergeList(current, value, field);
    return this.newValue(value, field);
  }

  /** A value the object did not have: the patch's, with its directives applied to nothing. */
  private newValue(value: unknown, field: FieldSchema | undefined): unknown {
    if (isJsonObject(value)) {
      return strategyOf(field) === 'replace' ? withoutNulls(value) : this.mergeObject({}, value, this.membersOf(field?.type));
    }
    if (Array.isArray(value)) return this.mergeList([], value, field);
    return value;
  }

  private mergeList(current: unknown[], patch: unknown[], field: FieldSchema | undefined): unknown[] {
    if (strategyOf(field) !== 'merge') return withoutNulls(patch) as unknown[];
    if (current.length === 0 && patch.length === 0) return current;
    const itemType = field?.type.kind === 'array' ? field.type.items : undefined;
    if (elementKind(current, patch) === 'scalar') {
      const merged = [...new Set([...current, ...patch])];
      return this.ordered(merged, patch, current, '');
    }
    const mergeKey = field?.patchMergeKey;
    if (!mergeKey) {
      throw internalError(new Error(`cannot merge lists without merge key for type ${itemType?.kind === 'ref' ? itemType.ref : 'object'}`));
    }
    const { remaining, items } = this.listDirectives(current, patch, mergeKey);
    const itemMembers = this.membersOf(itemType);
    const merged = [...remaining];
    for (const item of items) {
      const key = keyOf(item, mergeKey);
      const at = merged.findIndex((x) => isJsonObject(x) && memberOf(x, mergeKey) === key);
      if (at >= 0) merged[at] = this.mergeObject(merged[at] as JsonObject, item, itemMembers);
      else merged.push(this.mergeObject({}, item, itemMembers));
    }
    return this.ordered(merged, items, remaining, mergeKey);
  }

  /**
   * Applies the `$patch` items of a merged list of objects: deletions by key, and replace (the
   * other items become the list). Returns what is left of the object's list and the items to merge.
   */
  private listDirectives(current: unknown[], patch: unknown[], mergeKey: string): { remaining: unknown[]; items: JsonObject[] } {
    let remaining = current;
    const items: JsonObject[] = [];
    let replace = false;
    for (const item of patch as JsonObject[]) {
      if (!Object.hasOwn(item, PATCH_DIRECTIVE)) {
        items.push(item);
        continue;
      }
      const { [PATCH_DIRECTIVE]: directive, ...rest } = item;
      if (directive === 'delete') {
        const key = keyOf(item, mergeKey);
        remaining = remaining.filter((x) => !(isJsonObject(x) && memberOf(x, mergeKey) === key));
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        if (Object.hasOwn(rest, mergeKey)) items.push(rest);
      } else {
        throw badDirective(directive, item);
      }
    }
    return replace ? { remaining: items.map((x) => withoutNulls(x)), items: [] } : { remaining, items };
  }

  private ordered(merged: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string): unknown[] {
    const [patchItems, serverOnly] = partition(merged, patchOrder, mergeKey);
    return normalizeOrder(patchItems, serverOnly, patchOrder, serverOrder, mergeKey);
  }

  /** `$retainKeys`: clears the members of `original` it does not list; the patch may set only listed ones. */
  private retainKeys(original: JsonObject, patch: JsonObject): void {
    if (!Object.hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
    const keys = patch[RETAIN_KEYS_DIRECTIVE];
    delete patch[RETAIN_KEYS_DIRECTIVE];
    if (!Array.isArray(keys)) throw badRetainKeys();
    const retained = new Set(keys);
    for (const [key, value] of Object.entries(patch)) {
      const directive = key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || key.startsWith(SET_ELEMENT_ORDER_PREFIX);
      if (value !== null && !directive && !retained.has(key)) throw badRetainKeys();
    }
    for (const key of Object.keys(original)) {
      if (!retained.has(key)) delete original[key];
    }
  }

  /**
   * `$setElementOrder/<list>`: merges the list now (taking it out of the patch) and puts the
   * result in the directive's order.
   */
  private setElementOrders(original: JsonObject, patch: JsonObject, members: Members): void {
    for (const directiveKey of Object.keys(patch)) {
      if (!directiveKey.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
      const order = patch[directiveKey];
      delete patch[directiveKey];
      const key = directiveKey.slice(SET_ELEMENT_ORDER_PREFIX.length);
      if (!key || !Array.isArray(order)) throw badSetElementOrder();
      const hasOriginal = Object.hasOwn(original, key);
      const hasPatch = Object.hasOwn(patch, key);
      // A list set to null is deleted; there is nothing left to order.
      if (hasPatch && patch[key] === null) continue;
      const currentList = hasOriginal ? original[key] : [];
      const patchList = hasPatch ? patch[key] : [];
      if (!Array.isArray(currentList) || !Array.isArray(patchList)) {
        throw badRequest(`expected a list for ${key}, but received ${jsonTypeName(Array.isArray(currentList) ? patchList : currentList)}`);
      }
      const field = members(key);
      const mergeKey = field?.patchMergeKey ?? '';
      checkOrderCoversPatch(patchList, order, mergeKey);
      if (!hasOriginal && !hasPatch) continue;
      const merged = hasOriginal && hasPatch ? this.mergeList(currentList, patchList, field) : hasOriginal ? currentList : (this.newValue(patchList, field) as unknown[]);
      if (mergeKey) for (const item of order) keyOf(item, mergeKey);
      const [named, serverOnly] = partition(merged, order, mergeKey);
      setMember(original, key, normalizeOrder(named, serverOnly, order, currentList, mergeKey));
      delete patch[key];
    }
  }
}
