import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDocument } from './protobuf-decoder.test-support.ts';
import { negotiateOpenApiV2, openApiV2, OPENAPI_V2_PROTOBUF } from './index.ts';

/** What client-go's OpenAPISchema() sends. */
const CLIENT_GO_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

describe('negotiateOpenApiV2', () => {
  test('serves protobuf in either spelling of the gnostic media type', () => {
    assert.equal(negotiateOpenApiV2(CLIENT_GO_ACCEPT), 'protobuf');
    assert.equal(negotiateOpenApiV2('application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), 'protobuf');
  });

  test('serves JSON to JSON, wildcard and header-less requests', () => {
    for (const accept of [undefined, 'application/json', '*/*', 'application/*', 'text/html, application/json']) {
      assert.equal(negotiateOpenApiV2(accept), 'json', String(accept));
    }
  });

  test('follows q values, and a q of 0 refuses a type', () => {
    assert.equal(negotiateOpenApiV2(`application/json;q=0.5, ${CLIENT_GO_ACCEPT}`), 'protobuf');
    assert.equal(negotiateOpenApiV2(`${CLIENT_GO_ACCEPT};q=0.2, application/json`), 'json');
    assert.equal(negotiateOpenApiV2('application/json;q=0'), undefined);
  });

  test('has nothing for other media types', () => {
    assert.equal(negotiateOpenApiV2('text/html'), undefined);
    assert.equal(negotiateOpenApiV2('application/yaml'), undefined);
  });
});

describe('openApiV2', () => {
  test('answers client-go with the protobuf document, in the media type Go can parse', () => {
    const res = openApiV2(CLIENT_GO_ACCEPT)!;
    assert.equal(res.contentType, OPENAPI_V2_PROTOBUF);
    assert.doesNotMatch(res.contentType, /@/);
    const doc = decodeDocument(res.body);
    assert.equal(doc.swagger, '2.0');
    assert.ok(doc.definitions['io.k8s.api.apps.v1.Deployment']);
  });

  test('answers JSON with the same document', () => {
    const json = openApiV2('application/json')!;
    assert.equal(json.contentType, 'application/json');
    const parsed = JSON.parse(json.body.toString());
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(decodeDocument(openApiV2(CLIENT_GO_ACCEPT)!.body))));
  });

  test('keeps one build, with an ETag per representation', () => {
    const a = openApiV2(CLIENT_GO_ACCEPT)!;
    assert.equal(openApiV2(CLIENT_GO_ACCEPT), a);
    const json = openApiV2('application/json')!;
    assert.match(a.etag, /^"[0-9A-F]{128}"$/);
    assert.notEqual(a.etag, json.etag);
  });

  test('is undefined for an Accept it cannot satisfy', () => {
    assert.equal(openApiV2('text/plain'), undefined);
  });
});
