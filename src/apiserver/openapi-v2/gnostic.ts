/**
 * A Swagger 2.0 document as the protobuf message `openapi.v2.Document` of gnostic
 * (openapiv2/OpenAPIv2.proto), the form client-go's `OpenAPISchema()` asks for and kubectl's
 * client-side validation reads. Field numbers below are that .proto's.
 *
 * Maps are gnostic's ordered lists of (name, value) pairs. Vendor extensions become `NamedAny`
 * entries whose `Any.yaml` holds the value's text; JSON is valid YAML, and the Go readers
 * (kube-openapi, kubectl) parse that text with a YAML parser.
 */
import { ProtobufWriter } from './protobuf-writer.ts';
import { OPERATION_METHODS, type Document, type Operation, type Parameter, type PathItem, type Response, type Schema } from './types.ts';

/** Field numbers of the `vendor_extension` field in each message that has one. */
const VENDOR_EXTENSION = { schema: 31, operation: 13 } as const;

/** `NamedAny { name = 1; Any value = 2 }`, `Any { yaml = 2 }`. */
function writeNamedAny(w: ProtobufWriter, name: string, value: unknown): void {
  w.string(1, name).message(2, (any) => any.string(2, JSON.stringify(value)));
}

function writeVendorExtensions(w: ProtobufWriter, field: number, obj: object): void {
  for (const [name, value] of Object.entries(obj)) {
    if (name.startsWith('x-') && value !== undefined) w.message(field, (n) => writeNamedAny(n, name, value));
  }
}

/** `Schema`: _ref 1, format 2, description 4, required 19, enum 20, additional_properties 21, type 22, items 23, properties 25. */
function writeSchema(w: ProtobufWriter, s: Schema): void {
  w.string(1, s.$ref).string(2, s.format).string(4, s.description);
  w.strings(19, s.required);
  for (const value of s.enum ?? []) w.message(20, (any) => any.string(2, JSON.stringify(value)));
  // AdditionalPropertiesItem { oneof: Schema schema = 1; bool boolean = 2 }
  if (s.additionalProperties) w.message(21, (a) => a.message(1, (inner) => writeSchema(inner, s.additionalProperties!)));
  // TypeItem { repeated string value = 1 }
  if (s.type) w.message(22, (t) => t.strings(1, [s.type!]));
  // ItemsItem { repeated Schema schema = 1 }
  if (s.items) w.message(23, (i) => i.message(1, (inner) => writeSchema(inner, s.items!)));
  // Properties { repeated NamedSchema additional_properties = 1 }
  if (s.properties) w.message(25, (p) => writeNamedSchemas(p, 1, s.properties!));
  writeVendorExtensions(w, VENDOR_EXTENSION.schema, s);
}

/** Repeated `NamedSchema { name = 1; Schema value = 2 }`. */
function writeNamedSchemas(w: ProtobufWriter, field: number, schemas: Record<string, Schema>): void {
  w.messages(field, Object.entries(schemas), (n, [name, schema]) => n.string(1, name).message(2, (v) => writeSchema(v, schema)));
}

/**
 * `ParametersItem { Parameter parameter = 1 }`, `Parameter { BodyParameter body_parameter = 1;
 * NonBodyParameter non_body_parameter = 2 }`.
 */
function writeParameter(w: ProtobufWriter, p: Parameter): void {
  w.message(1, (param) => {
    if (p.in === 'body') {
      // BodyParameter: name 2, in 3, required 4, schema 5.
      param.message(1, (b) => b.string(2, p.name).string(3, p.in).bool(4, p.required).message(5, (s) => writeSchema(s, p.schema)));
      return;
    }
    // NonBodyParameter: query_parameter_sub_schema 3 (required 1, in 2, description 3, name 4,
    // type 6, unique_items 20); path_parameter_sub_schema 4 (same, but type 5, unique_items 19).
    const query = p.in === 'query';
    param.message(2, (nb) =>
      nb.message(query ? 3 : 4, (sub) =>
        sub
          .bool(1, p.required)
          .string(2, p.in)
          .string(3, p.description)
          .string(4, p.name)
          .string(query ? 6 : 5, p.type)
          .bool(query ? 20 : 19, p.uniqueItems),
      ),
    );
  });
}

/** `Responses { repeated NamedResponseValue response_code = 1 }`; `ResponseValue { Response response = 1 }`. */
function writeResponses(w: ProtobufWriter, responses: Record<string, Response>): void {
  w.messages(1, Object.entries(responses), (named, [code, r]) =>
    named.string(1, code).message(2, (value) =>
      // Response: description 1, SchemaItem schema 2 (SchemaItem { Schema schema = 1 }).
      value.message(1, (resp) => {
        resp.string(1, r.description);
        if (r.schema) resp.message(2, (item) => item.message(1, (s) => writeSchema(s, r.schema!)));
      }),
    ),
  );
}

/** `Operation`: tags 1, description 3, operation_id 5, produces 6, consumes 7, parameters 8, responses 9, schemes 10. */
function writeOperation(w: ProtobufWriter, op: Operation): void {
  w.strings(1, op.tags).string(3, op.description).string(5, op.operationId).strings(6, op.produces).strings(7, op.consumes);
  w.messages(8, op.parameters, writeParameter);
  w.message(9, (r) => writeResponses(r, op.responses));
  w.strings(10, op.schemes);
  writeVendorExtensions(w, VENDOR_EXTENSION.operation, op);
}

/** `PathItem`: get 2, put 3, post 4, delete 5, patch 8, parameters 9. */
const PATH_ITEM_FIELDS: Record<(typeof OPERATION_METHODS)[number], number> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

function writePathItem(w: ProtobufWriter, item: PathItem): void {
  for (const method of OPERATION_METHODS) {
    const op = item[method];
    if (op) w.message(PATH_ITEM_FIELDS[method], (o) => writeOperation(o, op));
  }
  w.messages(9, item.parameters, writeParameter);
}

/**
 * `Document`: swagger 1, info 2 (title 1, version 2), paths 8 (Paths { repeated NamedPathItem
 * path = 2 }), definitions 9 (Definitions { repeated NamedSchema additional_properties = 1 }),
 * security 12, security_definitions 13.
 */
export function encodeDocument(doc: Document): Buffer {
  const w = new ProtobufWriter();
  w.string(1, doc.swagger);
  w.message(2, (info) => info.string(1, doc.info.title).string(2, doc.info.version));
  w.message(8, (paths) => paths.messages(2, Object.entries(doc.paths), (named, [path, item]) => named.string(1, path).message(2, (p) => writePathItem(p, item))));
  w.message(9, (defs) => writeNamedSchemas(defs, 1, doc.definitions));
  // SecurityRequirement { repeated NamedStringArray additional_properties = 1 }, StringArray { repeated string value = 1 }.
  w.messages(12, doc.security, (req, requirement) =>
    req.messages(1, Object.entries(requirement), (named, [name, scopes]) => named.string(1, name).message(2, (a) => a.strings(1, scopes))),
  );
  // SecurityDefinitions { repeated NamedSecurityDefinitionsItem additional_properties = 1 };
  // SecurityDefinitionsItem { ApiKeySecurity api_key_security = 2 } (type 1, name 2, in 3, description 4).
  w.message(13, (defs) =>
    defs.messages(1, Object.entries(doc.securityDefinitions), (named, [name, scheme]) =>
      named.string(1, name).message(2, (item) => item.message(2, (k) => k.string(1, scheme.type).string(2, scheme.name).string(3, scheme.in).string(4, scheme.description))),
    ),
  );
  return w.finish();
}
