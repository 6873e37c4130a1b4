import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeProtobufObject } from './decode.ts';
import { encodeProtobufObject } from './encode.ts';

const KUBECTL_BODIES = JSON.parse(readFileSync(new URL('./testdata/kubectl-create-bodies.json', import.meta.url), 'utf8')) as Array<{ args: string[]; body: string }>;

/** A Pod that touches every encoding: inlined structs, quantities, int-or-strings, times, bytes-free maps, negative numbers. */
const POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web',
    namespace: 'shop',
    labels: { app: 'web', tier: 'front' },
    creationTimestamp: '2024-05-01T10:20:30Z',
    managedFields: [{ manager: 'kubectl', operation: 'Update', time: '2024-05-01T10:20:30Z', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }],
  },
  spec: {
    volumes: [{ name: 'config', configMap: { name: 'settings', defaultMode: 420 } }, { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } }],
    containers: [
      {
        name: 'app',
        image: 'nginx:1.27',
        command: ['nginx', '-g', 'daemon off;'],
        ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } },
        readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
        livenessProbe: { tcpSocket: { port: 80 }, failureThreshold: 3 },
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 0,
    enableServiceLinks: false,
    activeDeadlineSeconds: -1,
  },
  status: { phase: 'Running', startTime: '2024-05-01T10:20:31Z' },
};

describe('encodeProtobufObject', () => {
  test('a Pod using every encoding decodes back to itself', () => {
    assert.deepEqual(decodeProtobufObject(encodeProtobufObject(POD)).object, POD);
  });

  test('what kubectl sent, decoded and encoded again, decodes to the same object', () => {
    for (const { args, body } of KUBECTL_BODIES.filter((f) => f.args[1] !== 'token')) {
      const decoded = decodeProtobufObject(Buffer.from(body, 'base64')).object;
      assert.deepEqual(decodeProtobufObject(encodeProtobufObject(decoded)).object, decoded, args.join(' '));
    }
  });

  test('MicroTime keeps microseconds', () => {
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n' }, spec: { renewTime: '2024-05-01T10:20:30.123456Z' } };
    assert.deepEqual(decodeProtobufObject(encodeProtobufObject(lease)).object, lease);
  });

  test('a kind without a protobuf form is refused', () => {
    assert.throws(() => encodeProtobufObject({ apiVersion: 'v1', kind: 'NoSuchKind' }), /no protobuf encoding/);
  });
});
