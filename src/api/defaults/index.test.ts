import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { R, manifests } from '../validation/fixtures.test-support.ts';
import { applyDefaults } from './index.ts';

function defaulted(r: typeof R.pod, obj: any): any {
  applyDefaults(r, obj);
  return obj;
}

describe('Service defaults', () => {
  test('a ClusterIP Service', () => {
    const svc = defaulted(R.service, { metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'a' }, ports: [{ port: 80 }, { port: 443, targetPort: 'https' }] } });
    assert.deepEqual(svc.spec, {
      selector: { app: 'a' },
      ports: [
        { port: 80, protocol: 'TCP', targetPort: 80 },
        { port: 443, targetPort: 'https', protocol: 'TCP' },
      ],
      sessionAffinity: 'None',
      type: 'ClusterIP',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv4'],
    });
  });

  test('NodePort and LoadBalancer are externally accessible', () => {
    const np = defaulted(R.service, { metadata: {}, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
    const lb = defaulted(R.service, { metadata: {}, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
    assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
  });

  test('clusterIP and clusterIPs agree; ExternalName gets no IP fields', () => {
    const svc = defaulted(R.service, { metadata: {}, spec: { clusterIP: 'None', ports: [] } });
    assert.deepEqual(svc.spec.clusterIPs, ['None']);
    const ext = defaulted(R.service, { metadata: {}, spec: { type: 'ExternalName', externalName: 'example.com' } });
    assert.deepEqual(Object.keys(ext.spec).sort(), ['externalName', 'sessionAffinity', 'type']);
  });

  test('ClientIP affinity gets the three-hour timeout', () => {
    const svc = defaulted(R.service, { metadata: {}, spec: { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } });
    assert.deepEqual(svc.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  });
});

describe('workload defaults', () => {
  test('Deployment', () => {
    const d = defaulted(R.deployment, manifests.deployment());
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.equal(d.spec.replicas, 3);
    const empty = defaulted(R.deployment, { metadata: {}, spec: {} });
    assert.equal(empty.spec.replicas, 1);
  });

  test('ReplicaSet and ReplicationController', () => {
    assert.equal(defaulted(R.replicaSet, { metadata: {}, spec: {} }).spec.replicas, 1);
    const rc = defaulted(R.rc, { metadata: { name: 'rc' }, spec: { template: { metadata: { labels: { app: 'a' } }, spec: { containers: [] } } } });
    assert.deepEqual(rc.spec.selector, { app: 'a' });
    assert.deepEqual(rc.metadata.labels, { app: 'a' });
    assert.equal(rc.spec.replicas, 1);
  });

  test('DaemonSet', () => {
    const ds = defaulted(R.daemonSet, manifests.daemonSet());
    assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(ds.spec.revisionHistoryLimit, 10);
  });

  test('StatefulSet', () => {
    const sts = defaulted(R.statefulSet, manifests.statefulSet());
    assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(sts.spec.revisionHistoryLimit, 10);
    assert.equal(sts.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
    assert.deepEqual(sts.spec.volumeClaimTemplates[0].status, { phase: 'Pending' });
  });

  test('Job, with the selector generated from its uid', () => {
    const job = defaulted(R.job, manifests.job());
    const uid = job.metadata.uid;
    assert.equal(job.spec.completions, 1);
    assert.equal(job.spec.parallelism, 1);
    assert.equal(job.spec.backoffLimit, 4);
    assert.equal(job.spec.completionMode, 'NonIndexed');
    assert.equal(job.spec.suspend, false);
    assert.equal(job.spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    assert.deepEqual(job.spec.template.metadata.labels, {
      'job-name': 'pi',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': uid,
      'batch.kubernetes.io/controller-uid': uid,
    });
    assert.deepEqual(job.metadata.labels, job.spec.template.metadata.labels);
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');
    const parallel = defaulted(R.job, { metadata: {}, spec: { completions: 5, template: { spec: {} } } });
    assert.equal(parallel.spec.parallelism, 1);
    assert.equal(parallel.spec.backoffLimit, 6);
    assert.equal(parallel.spec.selector, undefined);
  });

  test('CronJob', () => {
    const cj = defaulted(R.cronJob, manifests.cronJob());
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.suspend, false);
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec.failedJobsHistoryLimit, 1);
    assert.equal(cj.spec.jobTemplate.spec.backoffLimit, undefined);
    assert.equal(cj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
  });
});

describe('other core defaults', () => {
  test('Namespace', () => {
    const ns = defaulted(R.namespace, { metadata: { name: 'team-a' } });
    assert.deepEqual(ns, {
      metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  });

  test('Secret: type Opaque and stringData merged into data', () => {
    const s = defaulted(R.secret, { metadata: { name: 's' }, data: { a: 'YQ==' }, stringData: { b: 'bee' } });
    assert.deepEqual(s, { metadata: { name: 's' }, data: { a: 'YQ==', b: 'YmVl' }, type: 'Opaque' });
  });

  test('PersistentVolume and PersistentVolumeClaim', () => {
    const pv = defaulted(R.pv, { metadata: { name: 'pv' }, spec: { hostPath: { path: '/d' } } });
    assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
    assert.equal(pv.spec.volumeMode, 'Filesystem');
    assert.equal(pv.status.phase, 'Pending');
    const pvc = defaulted(R.pvc, { metadata: { name: 'c' }, spec: {} });
    assert.equal(pvc.spec.volumeMode, 'Filesystem');
    assert.equal(pvc.status.phase, 'Pending');
  });

  test('Node allocatable defaults to capacity', () => {
    const node = defaulted(R.node, { metadata: { name: 'n' }, status: { capacity: { cpu: '2' } } });
    assert.deepEqual(node.status.allocatable, { cpu: '2' });
  });

  test('Endpoints, EndpointSlice and PriorityClass', () => {
    assert.equal(defaulted(R.endpoints, { metadata: {}, subsets: [{ ports: [{ port: 80 }] }] }).subsets[0].ports[0].protocol, 'TCP');
    assert.deepEqual(defaulted(R.endpointSlice, { metadata: {}, ports: [{ port: 80 }] }).ports[0], { port: 80, name: '', protocol: 'TCP' });
    assert.equal(defaulted(R.priorityClass, { metadata: {}, value: 1 }).preemptionPolicy, 'PreemptLowerPriority');
  });

  test('LimitRange container defaults come from max', () => {
    const lr = defaulted(R.limitRange, { metadata: {}, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }] } });
    assert.deepEqual(lr.spec.limits[0].default, { cpu: '2' });
    assert.deepEqual(lr.spec.limits[0].defaultRequest, { cpu: '2', memory: '64Mi' });
  });
});

test('defaulting twice changes nothing more (so a re-applied manifest is unchanged)', () => {
  const cases: [typeof R.pod, () => any][] = [
    [R.pod, manifests.pod],
    [R.deployment, manifests.deployment],
    [R.service, manifests.service],
    [R.job, manifests.job],
    [R.cronJob, manifests.cronJob],
    [R.daemonSet, manifests.daemonSet],
    [R.statefulSet, manifests.statefulSet],
    [R.namespace, () => ({ metadata: { name: 'n' } })],
    [R.secret, () => ({ metadata: { name: 's' }, stringData: { a: 'b' } })],
    [R.rc, () => ({ metadata: { name: 'rc' }, spec: { template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } })],
  ];
  for (const [r, make] of cases) {
    const once = defaulted(r, make());
    const twice = defaulted(r, structuredClone(once));
    assert.deepEqual(twice, once, r.kind);
  }
});
