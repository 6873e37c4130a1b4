import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from './catalogue.ts';
import { parseFieldSelector, selectableFields } from './fields.ts';
import type { ResourceInfo } from './resource.ts';

function res(group: string, plural: string): ResourceInfo {
  const r = findResource(group, 'v1', plural);
  assert.ok(r, plural);
  return r;
}

const pods = res('', 'pods');
const runningOnA = {
  metadata: { name: 'web-1', namespace: 'prod' },
  spec: { nodeName: 'node-a', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default', hostNetwork: true },
  status: { phase: 'Running', podIP: '10.42.0.5', podIPs: [{ ip: '10.42.0.5' }] },
};
const pendingPod = { metadata: { name: 'web-2', namespace: 'dev' }, spec: {}, status: { phase: 'Pending' } };

describe('parseFieldSelector', () => {
  test('pod fields, equality and inequality, ANDed', () => {
    const sel = parseFieldSelector('spec.nodeName=node-a,status.phase==Running', pods);
    assert.ok(sel.matches(runningOnA));
    assert.ok(!sel.matches(pendingPod));
    assert.ok(parseFieldSelector('spec.nodeName=', pods).matches(pendingPod));
    assert.ok(parseFieldSelector('status.phase!=Running', pods).matches(pendingPod));
    assert.ok(parseFieldSelector('metadata.namespace=prod,metadata.name=web-1', pods).matches(runningOnA));
    assert.ok(parseFieldSelector('spec.hostNetwork=true', pods).matches(runningOnA));
    assert.ok(parseFieldSelector('spec.hostNetwork=false', pods).matches(pendingPod));
    assert.ok(parseFieldSelector('status.podIP=10.42.0.5', pods).matches(runningOnA));
  });

  test("pods accept the old spec.host name for spec.nodeName", () => {
    const sel = parseFieldSelector('spec.host=node-a', pods);
    assert.ok(sel.matches(runningOnA));
    assert.equal(sel.toString(), 'spec.nodeName=node-a');
    assert.equal(sel.requiresExactMatch('spec.nodeName'), 'node-a');
  });

  test('empty selector matches everything', () => {
    const sel = parseFieldSelector('', pods);
    assert.equal(sel.empty, true);
    assert.ok(sel.matches(pendingPod));
  });

  test('escaped commas and equals signs in values', () => {
    const sel = parseFieldSelector('metadata.name=a\\,b\\=c', res('', 'configmaps'));
    assert.ok(sel.matches({ metadata: { name: 'a,b=c' } }));
    assert.equal(sel.toString(), 'metadata.name=a\\,b\\=c');
  });

  test('events: involvedObject fields, reason, source, type', () => {
    const event = {
      metadata: { name: 'e1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'u1' },
      reason: 'Scheduled',
      type: 'Normal',
      source: { component: 'default-scheduler' },
    };
    const events = res('', 'events');
    assert.ok(parseFieldSelector('involvedObject.kind=Pod,involvedObject.name=web-1,involvedObject.uid=u1', events).matches(event));
    assert.ok(parseFieldSelector('reason=Scheduled,type=Normal,source=default-scheduler', events).matches(event));
    assert.ok(!parseFieldSelector('type=Warning', events).matches(event));
  });

  test('events.k8s.io events take the same names, read from regarding and reportingController', () => {
    const event = { metadata: { name: 'e1' }, regarding: { kind: 'Node', name: 'n1' }, reportingController: 'kubelet', type: 'Normal' };
    const sel = parseFieldSelector('involvedObject.kind=Node,involvedObject.name=n1,reportingComponent=kubelet,source=kubelet', res('events.k8s.io', 'events'));
    assert.ok(sel.matches(event));
  });

  test('per-kind fields: secrets type, nodes unschedulable, namespaces phase, replicas, job successes, services', () => {
    assert.ok(parseFieldSelector('type=kubernetes.io/tls', res('', 'secrets')).matches({ type: 'kubernetes.io/tls' }));
    assert.ok(parseFieldSelector('spec.unschedulable=true', res('', 'nodes')).matches({ spec: { unschedulable: true } }));
    assert.ok(parseFieldSelector('spec.unschedulable=false', res('', 'nodes')).matches({ spec: {} }));
    assert.ok(parseFieldSelector('status.phase=Terminating', res('', 'namespaces')).matches({ status: { phase: 'Terminating' } }));
    assert.ok(parseFieldSelector('status.replicas=0', res('', 'replicationcontrollers')).matches({ status: {} }));
    assert.ok(parseFieldSelector('status.replicas=3', res('apps', 'replicasets')).matches({ status: { replicas: 3 } }));
    assert.ok(parseFieldSelector('status.successful=1', res('batch', 'jobs')).matches({ status: { succeeded: 1 } }));
    assert.ok(parseFieldSelector('spec.clusterIP!=None,spec.type=ClusterIP', res('', 'services')).matches({ spec: { clusterIP: '10.43.0.1', type: 'ClusterIP' } }));
  });

  test('unsupported fields: upstream wording differs between kinds with and without a field list', () => {
    assert.throws(() => parseFieldSelector('foo=bar', pods), { name: 'FieldSelectorError', message: 'field label not supported: foo' });
    assert.throws(() => parseFieldSelector('metadata.namespace=x', res('', 'nodes')), { message: 'field label not supported: metadata.namespace' });
    assert.throws(() => parseFieldSelector('spec.nodeName=a', res('apps', 'deployments')), {
      message: '"spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace"',
    });
    assert.throws(() => parseFieldSelector('status.phase = Running', pods), { message: 'field label not supported: status.phase ' });
  });

  test('syntax errors', () => {
    assert.throws(() => parseFieldSelector('status.phase', pods), {
      message: "invalid selector: 'status.phase'; can't understand 'status.phase'",
    });
    assert.throws(() => parseFieldSelector('metadata.name=a\\b', pods), { message: 'invalid field selector: invalid escape sequence: \\b' });
    assert.throws(() => parseFieldSelector('metadata.name=a=b', pods), { message: 'invalid field selector: unescaped character in value: 61' });
    // Syntax is checked for every term before any field name is.
    assert.throws(() => parseFieldSelector('foo=bar,metadata.name=a\\x', pods), { message: 'invalid field selector: invalid escape sequence: \\x' });
  });

  test('selectable fields are listed per kind', () => {
    assert.deepEqual(selectableFields(res('', 'configmaps')), ['metadata.name', 'metadata.namespace']);
    assert.ok(selectableFields(pods).includes('status.nominatedNodeName'));
  });
});
