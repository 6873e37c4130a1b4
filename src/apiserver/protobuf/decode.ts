/**
 * Decoding `application/vnd.kubernetes.protobuf` bodies into the JSON-shaped objects the rest
 * of the server works on. A body is the magic `k8s\0`, then a runtime.Unknown message:
 * typeMeta (1: apiVersion 1, kind 2), raw (2: the object's own message), contentEncoding (3),
 * contentType (4). The object's message is read by the schema and the field numbers of
 * ./layout.ts, into the values kubectl would have sent as JSON (see ./presence.ts for zero
 * values). Field numbers the layout does not know are skipped, as upstream skips them.
 */
import { typeForKind } from '../../api/schema/loader.ts';
import type { FieldSchema, FieldType } from '../../api/schema/types.ts';
import { badRequest } from '../errors.ts';
import { messageLayout, type Encoding, type Slot } from './layout.ts';
import { MEANINGFUL_EMPTY_STRINGS, VALUE_SCALARS } from './presence.ts';
import { MalformedProtobufError, readRecords, signedInteger, WireType, type WireRecord } from './wire.ts';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** The four bytes every Kubernetes protobuf body starts with. */
export const PROTOBUF_MAGIC = Buffer.from('k8s\0', 'latin1');

/** Go's zero time.Time in Unix seconds, which some writers send instead of an empty Time. */
const GO_ZERO_TIME_SECONDS = -62135596800;

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  /** The object as JSON would carry it, apiVersion and kind included. */
  object: Record<string, unknown>;
}

/**
 * Decodes a protobuf request body. Throws a 400 StatusError for a body that is not
 * Kubernetes protobuf or names a kind the server does not serve.
 */
export function decodeProtobufObject(body: Buffer): DecodedObject {
  if (body.length < PROTOBUF_MAGIC.length || !body.subarray(0, PROTOBUF_MAGIC.length).equals(PROTOBUF_MAGIC)) {
    throw badRequest('error decoding protobuf body: it does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  try {
    const unknown = readUnknown(body.subarray(PROTOBUF_MAGIC.length));
    if (unknown.contentEncoding !== '') {
      throw badRequest(`error decoding protobuf body: unsupported contentEncoding "${unknown.contentEncoding}"`);
    }
    if (unknown.contentType !== '' && unknown.contentType !== PROTOBUF_CONTENT_TYPE) {
      throw badRequest(`error decoding protobuf body: unsupported contentType "${unknown.contentType}" in the envelope`);
    }
    const { apiVersion, kind } = unknown;
    if (!kind) throw badRequest('error decoding protobuf body: Object \'Kind\' is missing in the envelope');
    const slash = apiVersion.lastIndexOf('/');
    const type = typeForKind(slash < 0 ? '' : apiVersion.slice(0, slash), apiVersion.slice(slash + 1), kind);
    if (!type) throw badRequest(`error decoding protobuf body: no kind "${kind}" is registered for version "${apiVersion}"`);
    return { apiVersion, kind, object: { apiVersion, kind, ...decodeMessage(unknown.raw, type.name) } };
  } catch (err) {
    if (err instanceof MalformedProtobufError) throw badRequest(`error decoding protobuf body: ${err.message}`);
    throw err;
  }
}

interface Unknown {
  apiVersion: string;
  kind: string;
  raw: Buffer;
  contentEncoding: string;
  contentType: string;
}

function readUnknown(buf: Buffer): Unknown {
  const unknown: Unknown = { apiVersion: '', kind: '', raw: Buffer.alloc(0), contentEncoding: '', contentType: '' };
  for (const rec of readRecords(buf)) {
    if (rec.number === 1) {
      for (const meta of readRecords(bytesOf(rec, 'runtime.Unknown.typeMeta'))) {
        if (meta.number === 1) unknown.apiVersion = stringOf(meta, 'typeMeta.apiVersion');
        if (meta.number === 2) unknown.kind = stringOf(meta, 'typeMeta.kind');
      }
    } else if (rec.number === 2) unknown.raw = bytesOf(rec, 'runtime.Unknown.raw');
    else if (rec.number === 3) unknown.contentEncoding = stringOf(rec, 'runtime.Unknown.contentEncoding');
    else if (rec.number === 4) unknown.contentType = stringOf(rec, 'runtime.Unknown.contentType');
  }
  return unknown;
}

/** Decodes one message of a schema type into a JSON object. */
export function decodeMessage(buf: Buffer, typeName: string): Record<string, unknown> {
  const layout = messageLayout(typeName);
  if (!layout) throw new MalformedProtobufError(`${typeName} has no protobuf encoding`);
  const out: Record<string, unknown> = {};
  decodeInto(out, buf, layout.slots, shortName(typeName));
  return out;
}

function decodeInto(out: Record<string, unknown>, buf: Buffer, slots: Map<number, Slot>, owner: string): void {
  for (const rec of readRecords(buf)) {
    const slot = slots.get(rec.number);
    if (!slot) continue;
    if (slot.kind === 'inline') {
      decodeInto(out, bytesOf(rec, `${owner} field ${rec.number}`), slot.slots, owner);
      continue;
    }
    const where = `${owner}.${slot.name}`;
    const { type } = slot.schema;
    if (type.kind === 'array' && slot.encoding !== 'StringList') {
      const list = (out[slot.name] ??= []) as unknown[];
      if (rec.wireType === WireType.LengthDelimited && isPackable(type.items)) {
        for (const item of readPacked(rec.value, where)) list.push(scalar(item, type.items, where));
      } else {
        list.push(value(rec, type.items, where));
      }
    } else if (type.kind === 'map') {
      const [key, entry] = mapEntry(rec, type.values, where);
      ((out[slot.name] ??= {}) as Record<string, unknown>)[key] = entry;
    } else {
      const decoded = value(rec, type, where, slot.encoding);
      if (keeps(decoded, slot.schema, owner, slot.name)) out[slot.name] = decoded;
      else delete out[slot.name];
    }
  }
}

/** Whether JSON would carry this singular value (see ./presence.ts). */
function keeps(decoded: unknown, schema: FieldSchema, owner: string, name: string): boolean {
  if (decoded === undefined) return false;
  if (schema.required) return true;
  if (decoded === '') return MEANINGFUL_EMPTY_STRINGS.has(`${owner}.${name}`);
  if (decoded === 0 || decoded === false) return !VALUE_SCALARS.has(`${owner}.${name}`);
  return true;
}

function value(rec: WireRecord, type: FieldType, where: string, encoding?: Encoding): unknown {
  switch (type.kind) {
    case 'ref':
      return decodeMessage(bytesOf(rec, where), type.ref);
    case 'quantity':
      return quantity(bytesOf(rec, where), where);
    case 'int-or-string':
      return intOrString(bytesOf(rec, where), where);
    case 'time':
      return time(bytesOf(rec, where), encoding === 'MicroTime', where);
    case 'any':
      return rawJson(bytesOf(rec, where), where);
    case 'array':
      return stringList(bytesOf(rec, where), where);
    case 'map':
      throw new MalformedProtobufError(`${where}: a map cannot hold a map`);
    default:
      return scalar(rec, type, where);
  }
}

function scalar(rec: WireRecord, type: FieldType, where: string): unknown {
  switch (type.kind) {
    case 'string':
      return type.format === 'byte' ? bytesOf(rec, where).toString('base64') : stringOf(rec, where);
    case 'boolean':
      return varintOf(rec, where) !== 0n;
    case 'integer':
      return signedInteger(varintOf(rec, where));
    case 'number':
      if (rec.wireType === WireType.Fixed64) return rec.value.readDoubleLE(0);
      if (rec.wireType === WireType.Fixed32) return rec.value.readFloatLE(0);
      return signedInteger(varintOf(rec, where));
    default:
      throw new MalformedProtobufError(`${where}: unexpected ${type.kind} value`);
  }
}

function isPackable(type: FieldType): boolean {
  return type.kind === 'integer' || type.kind === 'boolean' || type.kind === 'number';
}

/** A packed list of varints: one length-delimited record holding the elements back to back. */
function readPacked(buf: Buffer, where: string): WireRecord[] {
  const items: WireRecord[] = [];
  let at = 0;
  while (at < buf.length) {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= buf.length || shift > 63n) throw new MalformedProtobufError(`${where}: truncated packed list`);
      const b = buf[at++];
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (b < 0x80) break;
    }
    items.push({ number: 0, wireType: WireType.Varint, value: v });
  }
  return items;
}

/** A map entry message: key = 1 (always a string in Kubernetes), value = 2. */
function mapEntry(rec: WireRecord, values: FieldType, where: string): [string, unknown] {
  let key = '';
  let entry: WireRecord | undefined;
  for (const part of readRecords(bytesOf(rec, where))) {
    if (part.number === 1) key = stringOf(part, `${where} key`);
    if (part.number === 2) entry = part;
  }
  if (entry) return [key, value(entry, values, `${where}[${key}]`)];
  return [key, emptyValue(values)];
}

/** What Go puts in a map for an entry written without its value: the zero of the value type. */
function emptyValue(type: FieldType): unknown {
  if (type.kind === 'string') return '';
  if (type.kind === 'integer' || type.kind === 'number') return 0;
  if (type.kind === 'boolean') return false;
  if (type.kind === 'array') return [];
  if (type.kind === 'quantity') return '0';
  return {};
}

/** resource.Quantity: `string = 1`, the canonical text. */
function quantity(buf: Buffer, where: string): string {
  let text = '';
  for (const rec of readRecords(buf)) if (rec.number === 1) text = stringOf(rec, where);
  return text;
}

/** intstr.IntOrString: type = 1 (0 int, 1 string), intVal = 2, strVal = 3. */
function intOrString(buf: Buffer, where: string): number | string {
  let type = 0n;
  let intVal = 0;
  let strVal = '';
  for (const rec of readRecords(buf)) {
    if (rec.number === 1) type = varintOf(rec, where);
    if (rec.number === 2) intVal = signedInteger(varintOf(rec, where));
    if (rec.number === 3) strVal = stringOf(rec, where);
  }
  return type === 1n ? strVal : intVal;
}

/**
 * metav1.Time (seconds = 1, nanos = 2) as RFC 3339 in seconds, MicroTime with microseconds.
 * An empty message is the zero time, which JSON writes as null: left out.
 */
function time(buf: Buffer, micro: boolean, where: string): string | undefined {
  if (buf.length === 0) return undefined;
  let seconds = 0;
  let nanos = 0;
  for (const rec of readRecords(buf)) {
    if (rec.number === 1) seconds = signedInteger(varintOf(rec, where));
    if (rec.number === 2) nanos = signedInteger(varintOf(rec, where));
  }
  if (seconds === GO_ZERO_TIME_SECONDS && nanos === 0) return undefined;
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return `${iso}Z`;
  return `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

/** runtime.RawExtension and metav1.FieldsV1: field 1 holds JSON bytes. */
function rawJson(buf: Buffer, where: string): unknown {
  for (const rec of readRecords(buf)) {
    if (rec.number !== 1) continue;
    const bytes = bytesOf(rec, where);
    if (bytes.length === 0) return undefined;
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new MalformedProtobufError(`${where}: embedded JSON does not parse: ${(err as Error).message}`);
    }
  }
  return undefined;
}

/** A list of strings wrapped in a message (`repeated string items = 1`). */
function stringList(buf: Buffer, where: string): string[] {
  const items: string[] = [];
  for (const rec of readRecords(buf)) if (rec.number === 1) items.push(stringOf(rec, where));
  return items;
}

function bytesOf(rec: WireRecord, where: string): Buffer {
  if (rec.wireType !== WireType.LengthDelimited) throw new MalformedProtobufError(`${where}: expected a length-delimited field, got wire type ${rec.wireType}`);
  return rec.value;
}

function stringOf(rec: WireRecord, where: string): string {
  return bytesOf(rec, where).toString('utf8');
}

function varintOf(rec: WireRecord, where: string): bigint {
  if (rec.wireType !== WireType.Varint) throw new MalformedProtobufError(`${where}: expected a varint, got wire type ${rec.wireType}`);
  return rec.value;
}

/** "io.k8s.api.apps.v1.DeploymentSpec" → "DeploymentSpec", the form ./presence.ts uses. */
function shortName(typeName: string): string {
  return typeName.slice(typeName.lastIndexOf('.') + 1);
}
