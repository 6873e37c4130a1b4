/**
 * JSON patch (RFC 6902, `application/json-patch+json`): a list of operations (add, remove,
 * replace, move, copy, test) addressed by JSON Pointers (RFC 6901). The operations apply in
 * order to a copy of the object; if one fails none has any effect.
 *
 * Errors are upstream's: a body that is not a list of operation objects is 400 BadRequest; an
 * operation that does not apply is 422 Invalid with the reason in its cause; more than 10,000
 * operations is 413.
 *
 * Where upstream's JSON patch library departs from the RFC, clients see upstream's behaviour, so
 * we keep it: `replace` of a missing object member adds it, a missing `value` is null, and
 * `test` of a missing member passes for a null value.
 */
import { badRequest, StatusError } from '../errors.ts';
import { patchDoesNotApply } from './errors.ts';
import { cloneJson, isJsonObject, jsonEqual, jsonTypeName, setMember, type JsonObject } from './json-value.ts';

/** Upstream's cap on the operations of one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

type Container = JsonObject | unknown[];

/** The document being patched; a holder so that an operation on "" can replace it whole. */
interface Working {
  root: unknown;
}

/** Where a pointer leads: the container that holds (or would hold) the target, and the last token. */
interface Location {
  parent: Container;
  key: string;
}

/**
 * Applies a JSON patch to `doc` and returns the result; `doc` itself is left unchanged.
 * @throws StatusError 400 if `patch` is not a list of operations, 422 if an operation does
 *   not apply, 413 if there are more than {@link MAX_JSON_PATCH_OPERATIONS} operations.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const operations = decodeOperations(patch);
  const working: Working = { root: cloneJson(doc) };
  for (const op of operations) applyOperation(working, op);
  return working.root;
}

function decodeOperations(patch: unknown): JsonObject[] {
  // A JSON null decodes to an empty patch upstream.
  if (patch === null) return [];
  if (!Array.isArray(patch)) {
    throw badRequest(`json: cannot unmarshal ${jsonTypeName(patch)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of patch) {
    if (!isJsonObject(op)) {
      throw badRequest(`json: cannot unmarshal ${jsonTypeName(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new StatusError(
      413,
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  return patch as JsonObject[];
}

function applyOperation(w: Working, op: JsonObject): void {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  switch (kind) {
    case 'add':
      return add(w, pathOf(op, kind), valueOf(op), kind);
    case 'remove':
      return remove(w, pathOf(op, kind));
    case 'replace':
      return replace(w, pathOf(op, kind), valueOf(op));
    case 'move':
      return move(w, fromOf(op, kind), pathOf(op, kind));
    case 'copy':
      return copy(w, fromOf(op, kind), pathOf(op, kind));
    case 'test':
      return test(w, pathOf(op, kind), valueOf(op));
    default:
      throw patchDoesNotApply(`Unexpected kind: ${kind}`);
  }
}

function pathOf(op: JsonObject, kind: string): string {
  if (typeof op.path !== 'string') throw patchDoesNotApply(`${kind} operation failed to decode path: missing value`);
  return op.path;
}

function fromOf(op: JsonObject, kind: string): string {
  if (typeof op.from !== 'string') throw patchDoesNotApply(`${kind} operation failed to decode from: missing value`);
  return op.from;
}

/** The operation's value; upstream reads a missing one as null. */
function valueOf(op: JsonObject): unknown {
  return Object.hasOwn(op, 'value') ? structuredClone(op.value) : null;
}

/** The reference tokens of a JSON Pointer, unescaped (`~1` is `/`, `~0` is `~`); undefined if it is not a pointer. */
function tokensOf(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** An array index token: digits without a leading zero (RFC 6901), or undefined. */
function indexOf(token: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : undefined;
}

function child(container: unknown, token: string): { found: boolean; value?: unknown } {
  if (Array.isArray(container)) {
    const i = indexOf(token);
    return i !== undefined && i < container.length ? { found: true, value: container[i] } : { found: false };
  }
  if (isJsonObject(container) && Object.hasOwn(container, token)) return { found: true, value: container[token] };
  return { found: false };
}

/** The container a non-root pointer points into, if every step up to it exists. */
function locate(w: Working, tokens: string[]): Location | undefined {
  let current: unknown = w.root;
  for (const token of tokens.slice(0, -1)) {
    const next = child(current, token);
    if (!next.found) return undefined;
    current = next.value;
  }
  if (!Array.isArray(current) && !isJsonObject(current)) return undefined;
  return { parent: current, key: tokens[tokens.length - 1] };
}

function lookup(w: Working, pointer: string): { found: boolean; value?: unknown } {
  const tokens = tokensOf(pointer);
  if (tokens === undefined) return { found: false };
  if (tokens.length === 0) return { found: true, value: w.root };
  const loc = locate(w, tokens);
  return loc ? child(loc.parent, loc.key) : { found: false };
}

/** Adds `value` at `path`; `kind` names the operation on whose behalf, for the messages. */
function add(w: Working, path: string, value: unknown, kind: string): void {
  const tokens = tokensOf(path);
  if (tokens?.length === 0) {
    w.root = value;
    return;
  }
  const loc = tokens && locate(w, tokens);
  if (!loc) {
    throw patchDoesNotApply(
      kind === 'add'
        ? `add operation does not apply: doc is missing path: "${path}": missing value`
        : `${kind} operation does not apply: doc is missing destination path: ${path}: missing value`,
    );
  }
  const { parent, key } = loc;
  if (!Array.isArray(parent)) {
    setMember(parent, key, value);
    return;
  }
  if (key === '-') {
    parent.push(value);
    return;
  }
  const i = indexOf(key);
  if (i === undefined) {
    throw patchDoesNotApply(
      `error in ${kind} for path: '${path}': value was not a proper array index: '${key}': strconv.Atoi: parsing "${key}": invalid syntax`,
    );
  }
  if (i > parent.length) {
    throw patchDoesNotApply(`error in ${kind} for path: '${path}': Unable to access invalid index: ${i}: invalid index referenced`);
  }
  parent.splice(i, 0, value);
}

function remove(w: Working, path: string): void {
  const tokens = tokensOf(path);
  const loc = tokens && tokens.length > 0 ? locate(w, tokens) : undefined;
  if (!loc) throw patchDoesNotApply(`remove operation does not apply: doc is missing path: "${path}": missing value`);
  removeAt(loc, `error in remove for path: '${path}'`);
}

/** Removes the member or element `loc` names; `context` opens the message if there is none. */
function removeAt({ parent, key }: Location, context: string): void {
  if (Array.isArray(parent)) {
    const i = indexOf(key);
    if (i === undefined || i >= parent.length) {
      throw patchDoesNotApply(`${context}: Unable to access invalid index: ${key}: invalid index referenced`);
    }
    parent.splice(i, 1);
    return;
  }
  if (!Object.hasOwn(parent, key)) throw patchDoesNotApply(`${context}: Unable to remove nonexistent key: ${key}: missing value`);
  delete parent[key];
}

function replace(w: Working, path: string, value: unknown): void {
  const tokens = tokensOf(path);
  if (tokens?.length === 0) {
    w.root = value;
    return;
  }
  const loc = tokens && locate(w, tokens);
  if (!loc) throw patchDoesNotApply(`replace operation does not apply: doc is missing path: ${path}: missing value`);
  const { parent, key } = loc;
  if (!Array.isArray(parent)) {
    setMember(parent, key, value);
    return;
  }
  if (!child(parent, key).found) {
    throw patchDoesNotApply(`replace operation does not apply: doc is missing key: ${path}: missing value`);
  }
  parent[indexOf(key)!] = value;
}

function move(w: Working, from: string, path: string): void {
  const tokens = tokensOf(from);
  const loc = tokens && tokens.length > 0 ? locate(w, tokens) : undefined;
  if (!loc) throw patchDoesNotApply(`move operation does not apply: doc is missing from path: ${from}: missing value`);
  // RFC 6902 4.4: a value cannot be moved into one of its own children.
  if (path.startsWith(`${from}/`)) {
    throw patchDoesNotApply(`move operation does not apply: cannot move ${from} into its own child ${path}`);
  }
  const value = child(loc.parent, loc.key).value;
  removeAt(loc, `error in move for path: '${loc.key}'`);
  add(w, path, value, 'move');
}

function copy(w: Working, from: string, path: string): void {
  const source = lookup(w, from);
  if (!source.found) throw patchDoesNotApply(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
  add(w, path, structuredClone(source.value), 'copy');
}

function test(w: Working, path: string, value: unknown): void {
  const target = lookup(w, path);
  const passed = target.found ? jsonEqual(target.value, value) : value === null;
  if (!passed) throw patchDoesNotApply(`testing value ${path} failed: test failed`);
}
