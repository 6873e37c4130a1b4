/**
 * The part of Swagger 2.0 (OpenAPI v2) that Skiff publishes, as plain JSON-shaped types: the
 * document served as JSON is exactly this value, and gnostic.ts encodes the same value as
 * protobuf. Vendor extensions are properties whose names start with `x-`.
 */

import type { Schema, VendorExtensions } from '../openapi-schema.ts';

/** Schema objects are written alike in v2 and v3 (openapi-schema.ts); vendor extensions are carried to gnostic's `vendor_extension`. */
export type { Schema, VendorExtensions };

export interface BodyParameter {
  in: 'body';
  name: string;
  required?: boolean;
  schema: Schema;
}

/** A query or path parameter, written inline (kubectl matches query parameters by name). */
export interface NonBodyParameter {
  in: 'query' | 'path';
  name: string;
  description?: string;
  required?: boolean;
  type: 'string' | 'integer' | 'boolean';
  uniqueItems?: boolean;
}

export type Parameter = BodyParameter | NonBodyParameter;

export interface Response {
  description: string;
  schema?: Schema;
}

export type Operation = VendorExtensions & {
  tags?: string[];
  description?: string;
  operationId: string;
  consumes?: string[];
  produces?: string[];
  parameters?: Parameter[];
  /** By status code ("200", "401", ...). */
  responses: Record<string, Response>;
  schemes?: string[];
};

export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
export type OperationMethod = (typeof OPERATION_METHODS)[number];

export type PathItem = { [M in OperationMethod]?: Operation } & { parameters?: Parameter[] };

export interface ApiKeySecurityScheme {
  type: 'apiKey';
  name: string;
  in: 'header' | 'query';
  description?: string;
}

export interface Document {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  definitions: Record<string, Schema>;
  securityDefinitions: Record<string, ApiKeySecurityScheme>;
  /** Each requirement maps a scheme name to its scopes. */
  security: Record<string, string[]>[];
}
