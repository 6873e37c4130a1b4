import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { applyDefaults } from '../defaults/index.ts';
import { R, manifests, resourceInfo } from './fixtures.test-support.ts';
import { validateCreate, validateStatusUpdate, validateUpdate } from './index.ts';
import type { ResourceInfo } from '../resource.ts';

const errorsOf = (r: typeof R.pod, o: any) => {
  applyDefaults(r, o);
  return validateCreate(r, o).map((e) => formatFieldError(e));
};
const ns = (name: string) => ({ name, namespace: 'default' });

describe('real-world manifests are valid after defaulting', () => {
  const cases: [string, typeof R.pod, () => any][] = [
    ['Pod', R.pod, manifests.pod],
    ['Deployment', R.deployment, manifests.deployment],
    ['Service', R.service, manifests.service],
    ['Job', R.job, manifests.job],
    ['CronJob', R.cronJob, manifests.cronJob],
    ['DaemonSet', R.daemonSet, manifests.daemonSet],
    ['StatefulSet', R.statefulSet, manifests.statefulSet],
    ['ReplicationController', R.rc, manifests.replicationController],
  ];
  for (const [kind, r, make] of cases) {
    test(kind, () => {
      const obj = make();
      assert.deepEqual(errorsOf(r, obj), []);
      // Re-applying an unchanged object as an update is valid too (kubectl apply, second run).
      const again = make();
      applyDefaults(r, again);
      assert.deepEqual(validateUpdate(r, again, obj), []);
    });
  }
});

describe('the lighter kinds', () => {
  test('ServiceAccount: metadata only', () => {
    assert.deepEqual(errorsOf(R.serviceAccount, { metadata: ns('build-bot') }), []);
    assert.equal(errorsOf(R.serviceAccount, { metadata: ns('Build Bot') }).length, 1);
  });

  test('Endpoints', () => {
    const ep = { metadata: ns('svc'), subsets: [{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 80 }] }] };
    assert.deepEqual(errorsOf(R.endpoints, ep), []);
    const bad = { metadata: ns('svc'), subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 80 }, { port: 81 }] }] };
    assert.deepEqual(errorsOf(R.endpoints, bad), [
      'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'subsets[0].ports[0].name: Required value',
      'subsets[0].ports[1].name: Required value',
    ]);
  });

  test('EndpointSlice', () => {
    const slice = { metadata: ns('svc-abc'), addressType: 'IPv4', endpoints: [{ addresses: ['10.42.0.5'] }], ports: [{ name: 'http', port: 80 }] };
    assert.deepEqual(errorsOf(R.endpointSlice, slice), []);
    const bad = { metadata: ns('svc-abc'), addressType: 'IPv4', endpoints: [{ addresses: ['fd00::1'] }, { addresses: [] }], ports: [{ port: 80 }, { port: 81 }] };
    assert.deepEqual(errorsOf(R.endpointSlice, bad), [
      'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be an IPv4 address',
      'endpoints[1].addresses: Required value: must contain at least 1 address',
      'ports[1].name: Duplicate value: ""',
    ]);
    assert.deepEqual(errorsOf(R.endpointSlice, { metadata: ns('s'), addressType: 'IPX' }), [
      'addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"',
    ]);
  });

  test('Lease', () => {
    assert.deepEqual(errorsOf(R.lease, { metadata: ns('node-1'), spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } }), []);
    assert.deepEqual(errorsOf(R.lease, { metadata: ns('node-1'), spec: { leaseDurationSeconds: 0 } }), ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);
  });

  test('PodDisruptionBudget', () => {
    assert.deepEqual(errorsOf(R.pdb, { metadata: ns('zk'), spec: { minAvailable: 2, selector: { matchLabels: { app: 'zk' } } } }), []);
    assert.deepEqual(errorsOf(R.pdb, { metadata: ns('zk'), spec: { minAvailable: '50%', maxUnavailable: 1 } }), [
      'spec: Invalid value: {"minAvailable":"50%","maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set',
    ]);
  });

  test('PriorityClass', () => {
    assert.deepEqual(errorsOf(R.priorityClass, { metadata: { name: 'high' }, value: 1000000 }), []);
    assert.deepEqual(errorsOf(R.priorityClass, { metadata: { name: 'huge' }, value: 2000000000 }), [
      'value: Forbidden: maximum allowed value of a user defined priority is 1000000000',
    ]);
    assert.deepEqual(errorsOf(R.priorityClass, { metadata: { name: 'system-mine' }, value: 1 }), [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: name system-mine is not a known system priority class",
    ]);
    const old = { metadata: { name: 'high' }, value: 1, preemptionPolicy: 'PreemptLowerPriority' };
    assert.deepEqual(validateUpdate(R.priorityClass, { ...old, value: 2 }, old).map((e) => formatFieldError(e)), ['value: Forbidden: may not be changed in an update.']);
  });

  test('core Events live in their object namespace', () => {
    const event = { metadata: ns('nginx.17a'), involvedObject: { kind: 'Pod', name: 'nginx', namespace: 'other' }, reason: 'Started' };
    assert.deepEqual(errorsOf(R.event, event), ['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
  });

  test('events.k8s.io Events say who, what and why', () => {
    const event = {
      metadata: ns('nginx.17b'),
      eventTime: '2024-01-01T00:00:00.000000Z',
      regarding: { kind: 'Pod', name: 'nginx', namespace: 'default' },
      reportingController: 'skiff.dev/kubelet',
      reportingInstance: 'node-1',
      action: 'Pulling',
      reason: 'Pulling',
      type: 'Normal',
      note: 'Pulling image',
    };
    assert.deepEqual(errorsOf(R.eventsV1, event), []);
    assert.deepEqual(errorsOf(R.eventsV1, { ...event, type: 'Info', action: '' }), ['type: Invalid value: "": has invalid value: Info', 'action: Required value']);
  });

  test('PersistentVolume and claims', () => {
    const pv = { metadata: { name: 'pv0001' }, spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } };
    assert.deepEqual(errorsOf(R.pv, pv), []);
    assert.deepEqual(errorsOf(R.pv, { metadata: { name: 'pv2' }, spec: { accessModes: ['ReadWriteSometimes'], capacity: { storage: '1Gi' }, nfs: { server: 'nas', path: '/x' } } }), [
      'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    ]);
    const pvc = { metadata: ns('data'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '8Gi' } } } };
    assert.deepEqual(errorsOf(R.pvc, pvc), []);
    const grown = structuredClone(pvc) as any;
    grown.spec.resources.requests.storage = '10Gi';
    grown.status = { phase: 'Bound' };
    assert.deepEqual(validateUpdate(R.pvc, grown, pvc), []);
    const shrunk = structuredClone(grown);
    shrunk.spec.resources.requests.storage = '1Gi';
    assert.deepEqual(validateUpdate(R.pvc, shrunk, grown).map((e) => formatFieldError(e)), [
      'spec.resources.requests.storage: Forbidden: field can not be less than previous value',
    ]);
    const changed = structuredClone(pvc) as any;
    changed.spec.accessModes = ['ReadWriteMany'];
    assert.deepEqual(validateUpdate(R.pvc, changed, pvc).map((e) => formatFieldError(e)), [
      'spec: Forbidden: spec is immutable after creation except resources.requests for bound claims\n  spec.accessModes[0]: "ReadWriteOnce" -> "ReadWriteMany"',
    ]);
  });

  test('ResourceQuota and LimitRange quantities', () => {
    assert.deepEqual(errorsOf(R.resourceQuota, { metadata: ns('q'), spec: { hard: { pods: '10', 'requests.cpu': '4' } } }), []);
    assert.deepEqual(errorsOf(R.resourceQuota, { metadata: ns('q'), spec: { hard: { pods: '-1' } } }), [
      'spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0',
    ]);
    const lr = { metadata: ns('limits'), spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '2' } }] } };
    assert.deepEqual(errorsOf(R.limitRange, lr), [
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than default request value 1',
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than default value 1',
    ]);
  });

  test('kinds without their own rules get the generic metadata rules', () => {
    const widget = resourceInfo('example.com', 'Widget');
    assert.deepEqual(validateCreate(widget, { metadata: ns('Any_Name') }), []);
    assert.deepEqual(validateCreate(widget, { metadata: ns('a/b') }).map((e) => formatFieldError(e)), ['metadata.name: Invalid value: "a/b": may not contain \'/\'']);
    assert.deepEqual(validateStatusUpdate(widget, { metadata: ns('x') }, { metadata: ns('y') }).map((e) => e.field), ['metadata.name']);
  });
});

/** Every path in an object, as lists of keys. */
function pathsOf(o: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (prefix.length) out.push(prefix);
  if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) pathsOf(v, [...prefix, Array.isArray(o) ? Number(k) : k], out);
  return out;
}

function withValueAt(obj: any, path: (string | number)[], value: unknown): any {
  const copy = structuredClone(obj);
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k];
  at[path[path.length - 1]] = structuredClone(value);
  return copy;
}

describe('wrongly typed fields', () => {
  const wrong = [null, 7, 'str', true, [], {}, [7], ['x'], [null]];
  const cases: [ResourceInfo, () => any][] = [
    [R.pod, manifests.pod],
    [R.deployment, manifests.deployment],
    [R.service, manifests.service],
    [R.job, manifests.job],
    [R.cronJob, manifests.cronJob],
    [R.daemonSet, manifests.daemonSet],
    [R.statefulSet, manifests.statefulSet],
    [R.rc, manifests.replicationController],
  ];
  for (const [r, make] of cases) {
    test(`${r.kind}: defaulting and validation report, never throw`, () => {
      const base = make();
      applyDefaults(r, base);
      for (const path of pathsOf(base)) {
        for (const value of wrong) {
          const obj = withValueAt(base, path, value);
          assert.doesNotThrow(() => {
            applyDefaults(r, obj);
            validateCreate(r, obj);
            validateUpdate(r, obj, base);
            validateUpdate(r, base, obj);
            validateStatusUpdate(r, obj, base);
          }, `${path.join('.')} = ${JSON.stringify(value)}`);
        }
      }
    });
  }
});
