import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { StatusError } from '../errors.ts';
import { decodeProtobufObject } from './decode.ts';
import { bytesField, protobufBody, varintField } from './wire.test-support.ts';

/** Bodies the real kubectl 1.32 POSTed, each with the object `--dry-run=client -o json` prints for the same command. */
const KUBECTL_BODIES = JSON.parse(readFileSync(new URL('./testdata/kubectl-create-bodies.json', import.meta.url), 'utf8')) as Array<{ args: string[]; body: string; json?: Record<string, unknown> }>;

/** JSON writes the zero time as `creationTimestamp: null`; decoding leaves the field out, as the server would store it. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

function badRequestMessage(body: Buffer): string {
  try {
    decodeProtobufObject(body);
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    return err.message;
  }
  assert.fail('decoding did not fail');
}

const configMapMeta = bytesField(1, bytesField(1, 'cm'));

describe('decodeProtobufObject: what kubectl create sends', () => {
  for (const { args, body, json } of KUBECTL_BODIES.filter((f) => f.json)) {
    test(`kubectl ${args.join(' ')}`, () => {
      const decoded = decodeProtobufObject(Buffer.from(body, 'base64'));
      assert.equal(decoded.apiVersion, json!.apiVersion);
      assert.equal(decoded.kind, json!.kind);
      assert.deepEqual(decoded.object, withoutNulls(json));
    });
  }

  test('create token sends a TokenRequest', () => {
    const token = KUBECTL_BODIES.find((f) => f.args[1] === 'token')!;
    const decoded = decodeProtobufObject(Buffer.from(token.body, 'base64'));
    assert.equal(decoded.kind, 'TokenRequest');
    assert.equal(decoded.apiVersion, 'authentication.k8s.io/v1');
  });

  test('a kind the server does not serve is a 400 naming it', () => {
    assert.match(badRequestMessage(protobufBody('example.com/v1', 'Widget', bytesField(1))), /no kind "Widget" is registered for version "example.com\/v1"/);
  });
});

describe('decodeProtobufObject: encodings', () => {
  test('Time as RFC 3339 seconds, MicroTime with microseconds, the empty Time left out', () => {
    const lease = decodeProtobufObject(
      protobufBody(
        'coordination.k8s.io/v1',
        'Lease',
        bytesField(1, bytesField(1, 'node-a'), bytesField(8)),
        bytesField(2, bytesField(1, 'node-a'), varintField(2, 40), bytesField(4, varintField(1, 1_700_000_000), varintField(2, 123_456_789))),
      ),
    );
    assert.deepEqual(lease.object, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-a' },
      spec: { holderIdentity: 'node-a', leaseDurationSeconds: 40, renewTime: '2023-11-14T22:13:20.123456Z' },
    });
    const event = decodeProtobufObject(
      protobufBody('v1', 'Event', bytesField(1, bytesField(1, 'e')), bytesField(6, varintField(1, 1_700_000_000), varintField(2, 5))),
    );
    assert.equal(event.object.firstTimestamp, '2023-11-14T22:13:20Z');
  });

  test('inlined structs (a Probe handler, a Volume source) land in their parent, negative int32s and packed lists decode', () => {
    const probe = bytesField(11, bytesField(1, bytesField(1, bytesField(1, 'cat'), bytesField(1, '/tmp/ready'))), varintField(2, 5));
    const container = bytesField(2, bytesField(1, 'app'), bytesField(2, 'busybox'), probe);
    const volume = bytesField(1, bytesField(1, 'config'), bytesField(2, bytesField(19, bytesField(1, bytesField(1, 'settings')))));
    const pod = decodeProtobufObject(protobufBody('v1', 'Pod', bytesField(1, bytesField(1, 'p')), bytesField(2, volume, container, varintField(5, -1))));
    const spec = pod.object.spec as Record<string, any>;
    assert.deepEqual(spec.containers[0].readinessProbe, { exec: { command: ['cat', '/tmp/ready'] }, initialDelaySeconds: 5 });
    assert.deepEqual(spec.volumes, [{ name: 'config', configMap: { name: 'settings' } }]);
    assert.equal(spec.activeDeadlineSeconds, -1);

    // values = 3, packed: one length-delimited record (key 0x1a) holding three varints.
    const packed = Buffer.from([0x1a, 0x03, 1, 2, 3]);
    const rule = bytesField(1, bytesField(1, 'FailJob'), bytesField(2, bytesField(2, 'In'), packed));
    const job = decodeProtobufObject(protobufBody('batch/v1', 'Job', bytesField(1, bytesField(1, 'j')), bytesField(2, bytesField(11, rule))));
    const jobSpec = job.object.spec as Record<string, any>;
    assert.deepEqual(jobSpec.podFailurePolicy.rules[0].onExitCodes, { operator: 'In', values: [1, 2, 3] });
  });

  test('quantities, int-or-strings, JSON-carrying fields and wrapped string lists', () => {
    const managedFields = bytesField(17, bytesField(1, 'kubectl'), bytesField(2, 'Update'), bytesField(7, bytesField(1, '{"f:data":{}}')));
    const review = decodeProtobufObject(
      protobufBody(
        'authentication.k8s.io/v1',
        'TokenReview',
        bytesField(1, bytesField(1, 'r'), managedFields),
        bytesField(3, varintField(1, true), bytesField(2, bytesField(1, 'alice'), bytesField(4, bytesField(1, 'scopes'), bytesField(2, bytesField(1, 'a'), bytesField(1, 'b'))))),
      ),
    );
    assert.deepEqual(review.object.metadata, { name: 'r', managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:data': {} } }] });
    assert.deepEqual(review.object.status, { authenticated: true, user: { username: 'alice', extra: { scopes: ['a', 'b'] } } });

    const limits = bytesField(1, bytesField(1, 'memory'), bytesField(2, bytesField(1, '64Mi')));
    const quantityAndPort = decodeProtobufObject(
      protobufBody('v1', 'Pod', bytesField(1, bytesField(1, 'p')), bytesField(2, bytesField(2, bytesField(1, 'a'), bytesField(8, limits), bytesField(11, bytesField(1, bytesField(3, bytesField(1, varintField(1, 1), bytesField(3, 'http')))))))),
    );
    const c = (quantityAndPort.object.spec as any).containers[0];
    assert.deepEqual(c.resources, { limits: { memory: '64Mi' } });
    assert.deepEqual(c.readinessProbe.tcpSocket, { port: 'http' });
  });

  test('field numbers the server does not know are skipped', () => {
    const cm = decodeProtobufObject(protobufBody('v1', 'ConfigMap', configMapMeta, bytesField(99, 'from the future'), varintField(98, 7)));
    assert.deepEqual(cm.object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
  });
});

describe('decodeProtobufObject: malformed bodies are 400s', () => {
  test('a body without the k8s\\0 prefix', () => {
    assert.match(badRequestMessage(Buffer.from('{"kind":"ConfigMap"}')), /does not start with the Kubernetes protobuf prefix/);
  });

  test('a length that runs past the end', () => {
    const body = protobufBody('v1', 'ConfigMap', configMapMeta);
    assert.match(badRequestMessage(body.subarray(0, body.length - 2)), /past the end of the message/);
  });

  test('a field of the wrong wire type names the field', () => {
    assert.match(badRequestMessage(protobufBody('v1', 'ConfigMap', varintField(1, 5))), /ConfigMap\.metadata: expected a length-delimited field/);
  });

  test('a varint that never ends', () => {
    assert.match(badRequestMessage(Buffer.concat([protobufBody('v1', 'ConfigMap'), Buffer.from([0x08, 0xff, 0xff])])), /truncated or overlong varint/);
  });

  test('an envelope without a kind, or with a compressed payload', () => {
    assert.match(badRequestMessage(Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytesField(2, configMapMeta)])), /Kind' is missing/);
    const gzipped = Buffer.concat([protobufBody('v1', 'ConfigMap', configMapMeta), bytesField(3, 'gzip')]);
    assert.match(badRequestMessage(gzipped), /unsupported contentEncoding "gzip"/);
  });
});
