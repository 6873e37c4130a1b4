/**
 * The protobuf layout of each API type: which JSON field each field number carries. It joins
 * the field numbers of src/api/schema/protobuf-fields.json with the field types of the schema
 * (generated.json), so that decoding needs nothing but a type name. Built once per type, on
 * first use.
 */
import { readFileSync } from 'node:fs';
import { ownField, typeByName } from '../../api/schema/loader.ts';
import type { FieldSchema } from '../../api/schema/types.ts';

/** How a field is written beyond what its schema type says. */
export type Encoding = 'MicroTime' | 'StringList';

type NumberEntry = number | [number, number] | { number: number; encoding: Encoding };

/** What one field number of a message holds. */
export type Slot =
  /** A field of the JSON object. */
  | { kind: 'field'; name: string; schema: FieldSchema; encoding?: Encoding }
  /** A Go struct the JSON flattens into its parent (Probe's handler): its fields land in the parent object. */
  | { kind: 'inline'; slots: Map<number, Slot> };

export interface MessageLayout {
  typeName: string;
  slots: Map<number, Slot>;
}

let numbers: Record<string, Record<string, NumberEntry>> | undefined;
const layouts = new Map<string, MessageLayout>();

function fieldNumbers(): Record<string, Record<string, NumberEntry>> {
  numbers ??= JSON.parse(readFileSync(new URL('../../api/schema/protobuf-fields.json', import.meta.url), 'utf8')) as Record<string, Record<string, NumberEntry>>;
  return numbers;
}

function build(typeName: string): MessageLayout | undefined {
  const type = typeByName(typeName);
  const entries = fieldNumbers()[typeName];
  if (!type || !entries) return undefined;
  const slots = new Map<number, Slot>();
  for (const [name, entry] of Object.entries(entries)) {
    const schema = ownField(type, name);
    if (!schema) throw new Error(`protobuf-fields.json: ${typeName}.${name} names no field of the schema`);
    if (Array.isArray(entry)) {
      const [outer, inner] = entry;
      let inline = slots.get(outer);
      if (!inline) slots.set(outer, (inline = { kind: 'inline', slots: new Map() }));
      if (inline.kind !== 'inline') throw new Error(`protobuf-fields.json: ${typeName} uses field ${outer} twice`);
      inline.slots.set(inner, { kind: 'field', name, schema });
    } else if (typeof entry === 'number') {
      slots.set(entry, { kind: 'field', name, schema });
    } else {
      slots.set(entry.number, { kind: 'field', name, schema, encoding: entry.encoding });
    }
  }
  return { typeName, slots };
}

/** The layout of a schema type ("io.k8s.api.core.v1.Pod"), or undefined when it has no protobuf form (Table). */
export function messageLayout(typeName: string): MessageLayout | undefined {
  let layout = layouts.get(typeName);
  if (!layout) {
    layout = build(typeName);
    if (layout) layouts.set(typeName, layout);
  }
  return layout;
}
