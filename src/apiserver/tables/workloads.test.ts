import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { TablePrinter } from './types.ts';
import { daemonSetPrinter, deploymentPrinter, replicaSetPrinter, replicationControllerPrinter, statefulSetPrinter } from './workloads.ts';

const NOW = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'web', creationTimestamp: '2024-05-01T11:58:30Z' };
const template = { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } };

function header(p: TablePrinter, wide = false): string[] {
  return p.columns.filter((c) => wide || c.priority === 0).map((c) => c.name.toUpperCase());
}

describe('workload tables', () => {
  test('deployments: READY UP-TO-DATE AVAILABLE, then containers, images and selector', () => {
    assert.deepEqual(header(deploymentPrinter), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    const d = {
      metadata: meta,
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    assert.deepEqual(deploymentPrinter.cells(d, NOW), ['web', '2/3', 3, 2, '90s', 'nginx,log', 'nginx:1.27,busybox', 'app=web']);
  });

  test('a fresh deployment without status counts zeros', () => {
    assert.deepEqual(deploymentPrinter.cells({ metadata: meta, spec: { replicas: 2, template } }, NOW).slice(1, 4), ['0/2', 0, 0]);
  });

  test('replica sets and replication controllers: DESIRED CURRENT READY', () => {
    assert.deepEqual(header(replicaSetPrinter, true), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    const rs = { metadata: meta, spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } }, template }, status: { replicas: 2, readyReplicas: 1 } };
    assert.deepEqual(replicaSetPrinter.cells(rs, NOW), ['web', 2, 2, 1, '90s', 'nginx,log', 'nginx:1.27,busybox', 'app=web,pod-template-hash=abc']);
    const rc = { metadata: meta, spec: { replicas: 1, selector: { app: 'web' }, template }, status: { replicas: 1, readyReplicas: 1 } };
    assert.deepEqual(replicationControllerPrinter.cells(rc, NOW).slice(0, 4), ['web', 1, 1, 1]);
    assert.equal(replicationControllerPrinter.cells(rc, NOW)[7], 'app=web');
  });

  test('daemon sets show the node selector by default', () => {
    assert.deepEqual(header(daemonSetPrinter), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
    const ds = {
      metadata: meta,
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    };
    assert.deepEqual(daemonSetPrinter.cells(ds, NOW).slice(0, 8), ['web', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '90s']);
    assert.equal(daemonSetPrinter.cells({ metadata: meta, spec: { template: { spec: {} } } }, NOW)[6], '<none>');
  });

  test('stateful sets: READY as ready/desired', () => {
    assert.deepEqual(header(statefulSetPrinter, true), ['NAME', 'READY', 'AGE', 'CONTAINERS', 'IMAGES']);
    assert.deepEqual(statefulSetPrinter.cells({ metadata: meta, spec: { replicas: 3, template }, status: { readyReplicas: 3 } }, NOW).slice(0, 3), ['web', '3/3', '90s']);
  });
});
