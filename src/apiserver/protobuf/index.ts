/**
 * Kubernetes protobuf (`application/vnd.kubernetes.protobuf`) bodies: decoding what kubectl's
 * imperative commands send, and encoding objects for clients that prefer protobuf. Field
 * numbers come from src/api/schema/protobuf-fields.json, field types from the schema.
 */
export { decodeProtobufObject, PROTOBUF_CONTENT_TYPE, PROTOBUF_MAGIC, type DecodedObject } from './decode.ts';
export { encodeProtobufObject, encodeResponse, NoProtobufForm } from './encode.ts';
