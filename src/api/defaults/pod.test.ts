import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { R, manifests } from '../validation/fixtures.test-support.ts';
import { applyDefaults } from './index.ts';
import { defaultPullPolicy } from './pod.ts';

test('imagePullPolicy follows the tag', () => {
  const cases: [string, string][] = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v2', 'IfNotPresent'],
    ['nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'IfNotPresent'],
    ['nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'Always'],
  ];
  for (const [image, want] of cases) assert.equal(defaultPullPolicy(image), want, image);
});

describe('Pod defaults', () => {
  test('the nginx Pod reads back as a cluster returns it', () => {
    const pod: any = manifests.pod();
    applyDefaults(R.pod, pod);
    assert.deepEqual(pod.spec, {
      containers: [
        {
          name: 'nginx',
          image: 'nginx:1.27',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
          resources: {},
        },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
      serviceAccountName: 'default',
      serviceAccount: 'default',
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
    });
  });

  test('explicit values are kept', () => {
    const pod: any = manifests.pod();
    Object.assign(pod.spec, { restartPolicy: 'Never', dnsPolicy: 'Default', terminationGracePeriodSeconds: 0, serviceAccountName: 'builder', enableServiceLinks: false });
    applyDefaults(R.pod, pod);
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.equal(pod.spec.dnsPolicy, 'Default');
    assert.equal(pod.spec.terminationGracePeriodSeconds, 0);
    assert.equal(pod.spec.serviceAccount, 'builder');
    assert.equal(pod.spec.enableServiceLinks, false);
  });

  test('probes, volumes, env field refs and limits', () => {
    const pod: any = manifests.pod();
    const c = pod.spec.containers[0];
    c.livenessProbe = { httpGet: { port: 80 } };
    c.env = [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
    c.resources = { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } };
    pod.spec.volumes = [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'cfg' } }, { name: 'host', hostPath: { path: '/var' } }];
    pod.spec.priorityClassName = 'system-node-critical';
    applyDefaults(R.pod, pod);
    assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
    assert.deepEqual(c.resources.requests, { cpu: '500m', memory: '1Gi' });
    assert.deepEqual(pod.spec.volumes, [
      { name: 'scratch', emptyDir: {} },
      { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
      { name: 'host', hostPath: { path: '/var', type: '' } },
    ]);
    assert.equal(pod.spec.priority, 2000001000);
  });

  test('host-network pods publish their container ports on the host', () => {
    const pod: any = manifests.pod();
    pod.spec.hostNetwork = true;
    applyDefaults(R.pod, pod);
    assert.equal(pod.spec.containers[0].ports[0].hostPort, 80);
  });

  test('templates get the pod spec defaults but not the Pod-only ones', () => {
    const d: any = manifests.deployment();
    applyDefaults(R.deployment, d);
    const spec = d.spec.template.spec;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(spec.enableServiceLinks, undefined);
    assert.equal(spec.priority, undefined);
    assert.deepEqual(spec.containers[0].resources.requests, { cpu: '100m', memory: '64Mi' });
    const hostNet: any = manifests.deployment();
    hostNet.spec.template.spec.hostNetwork = true;
    applyDefaults(R.deployment, hostNet);
    assert.equal(hostNet.spec.template.spec.containers[0].ports[0].hostPort, undefined);
  });
});
