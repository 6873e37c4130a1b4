import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue } from '../../api/catalogue.ts';
import { buildOpenApiV2 } from './document.ts';
import { encodeDocument } from './gnostic.ts';
import { decodeDocument, decodeFields } from './protobuf-decoder.test-support.ts';
import type { Document } from './types.ts';

/** The document as JSON sees it (drops undefined members, as the JSON representation does). */
const asJson = (doc: Document) => JSON.parse(JSON.stringify(doc));

describe('encodeDocument (gnostic openapi.v2.Document)', () => {
  test('the whole served document reads back field for field', () => {
    const doc = buildOpenApiV2(catalogue);
    assert.deepEqual(asJson(decodeDocument(encodeDocument(doc))), asJson(doc));
  });

  test('puts swagger in field 1 and one NamedSchema per definition in Definitions (field 9)', () => {
    const doc: Document = {
      swagger: '2.0',
      info: { title: 'T', version: 'v' },
      paths: {},
      definitions: { a: { type: 'object', properties: {} }, b: { type: 'string' } },
      securityDefinitions: {},
      security: [],
    };
    const top = decodeFields(encodeDocument(doc));
    assert.equal(top.find((f) => f.field === 1)!.bytes!.toString(), '2.0');
    const definitions = decodeFields(top.find((f) => f.field === 9)!.bytes!);
    assert.deepEqual(
      definitions.map((f) => decodeFields(f.bytes!)[0].bytes!.toString()),
      ['a', 'b'],
    );
    // An object with no properties still carries an (empty) Properties message: readers tell
    // "object with properties" from "map" by its presence.
    const a = decodeFields(decodeFields(definitions[0].bytes!)[1].bytes!);
    assert.deepEqual(
      a.filter((f) => f.field === 25).map((f) => f.bytes!.length),
      [0],
    );
  });

  test('carries vendor extensions as NamedAny whose yaml parses to the value', () => {
    const gvk = [{ group: '', version: 'v1', kind: 'ConfigMap' }];
    const doc: Document = {
      swagger: '2.0',
      info: { title: 'T', version: 'v' },
      paths: {},
      definitions: { cm: { type: 'object', properties: {}, 'x-kubernetes-group-version-kind': gvk } },
      securityDefinitions: {},
      security: [],
    };
    const decoded = decodeDocument(encodeDocument(doc));
    assert.deepEqual(decoded.definitions.cm['x-kubernetes-group-version-kind'], gvk);
  });
});
