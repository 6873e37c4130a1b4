import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { podPrinter } from './pods.ts';

const NOW = new Date('2024-05-01T12:00:00Z');

function row(pod: any): Record<string, unknown> {
  const cells = podPrinter.cells(pod, NOW);
  return Object.fromEntries(podPrinter.columns.map((c, i) => [c.name, cells[i]]));
}

function pod(status: any, spec: any = { containers: [{ name: 'app' }] }, metadata: any = {}): any {
  return { metadata: { name: 'p', creationTimestamp: '2024-05-01T11:00:00Z', ...metadata }, spec, status };
}

const running = (ready = true) => ({ name: 'app', ready, restartCount: 0, state: { running: { startedAt: '2024-05-01T11:00:01Z' } } });

describe('pod table', () => {
  test('columns: five by default, four more with -o wide', () => {
    assert.deepEqual(podPrinter.columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0],
      ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
    ]);
    assert.equal(podPrinter.columns[0].format, 'name');
  });

  test('a running pod', () => {
    const p = pod({ phase: 'Running', podIPs: [{ ip: '10.42.0.7' }], containerStatuses: [running()] }, { containers: [{ name: 'app' }], nodeName: 'n1' });
    assert.deepEqual(podPrinter.cells(p, NOW), ['p', '1/1', 'Running', '0', '60m', '10.42.0.7', 'n1', '<none>', '<none>']);
  });

  test('a pending pod not yet scheduled', () => {
    const r = row(pod({ phase: 'Pending' }));
    assert.equal(r.Ready, '0/1');
    assert.equal(r.Status, 'Pending');
    assert.equal(r.IP, '<none>');
    assert.equal(r.Node, '<none>');
  });

  test('waiting reasons show through: ContainerCreating, CrashLoopBackOff with restarts and when', () => {
    assert.equal(row(pod({ phase: 'Pending', containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }] })).Status, 'ContainerCreating');
    const r = row(pod({
      phase: 'Running',
      containerStatuses: [{
        name: 'app', restartCount: 3, ready: false,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2024-05-01T11:55:00Z' } },
      }],
    }));
    assert.equal(r.Status, 'CrashLoopBackOff');
    assert.equal(r.Restarts, '3 (5m ago)');
    assert.equal(r.Ready, '0/1');
  });

  test('terminated containers: Completed, or ExitCode/Signal without a reason', () => {
    assert.equal(row(pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] })).Status, 'Completed');
    assert.equal(row(pod({ phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 2 } } }] })).Status, 'ExitCode:2');
    assert.equal(row(pod({ phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 137, signal: 9 } } }] })).Status, 'Signal:9');
  });

  test('completed while another container still runs: Running when ready, NotReady otherwise', () => {
    const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
    const statuses = [
      { name: 'a', ready: true, state: { running: {} } },
      { name: 'b', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    ];
    // The first container is read last, so the terminated second one sets the reason first.
    assert.equal(row(pod({ phase: 'Running', containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'True' }] }, spec)).Status, 'Running');
    assert.equal(row(pod({ phase: 'Running', containerStatuses: statuses, conditions: [{ type: 'Ready', status: 'False' }] }, spec)).Status, 'NotReady');
  });

  test('init containers: progress, failure and waiting reasons', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'app' }] };
    const done = { name: 'i1', state: { terminated: { exitCode: 0 } } };
    assert.equal(row(pod({ phase: 'Pending', initContainerStatuses: [done, { name: 'i2', state: { running: {} } }] }, spec)).Status, 'Init:1/2');
    assert.equal(row(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, spec)).Status, 'Init:Error');
    assert.equal(row(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 3 } } }] }, spec)).Status, 'Init:ExitCode:3');
    assert.equal(row(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, spec)).Status, 'Init:CrashLoopBackOff');
    assert.equal(row(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { waiting: { reason: 'PodInitializing' } } }] }, spec)).Status, 'Init:0/2');
    // Restarts of init containers count while the pod initializes.
    assert.equal(row(pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, spec)).Restarts, '2');
  });

  test('a started sidecar counts as a ready container and does not hold initialization', () => {
    const spec = { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'app' }] };
    const r = row(pod({
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }],
      initContainerStatuses: [{ name: 'proxy', started: true, ready: true, state: { running: {} } }],
      containerStatuses: [running()],
    }, spec));
    assert.equal(r.Ready, '2/2');
    assert.equal(r.Status, 'Running');
  });

  test('deletion: Terminating unless already finished; Unknown for a lost node', () => {
    const deleting = { deletionTimestamp: '2024-05-01T11:59:00Z' };
    assert.equal(row(pod({ phase: 'Running', containerStatuses: [running()] }, undefined, deleting)).Status, 'Terminating');
    assert.equal(row(pod({ phase: 'Succeeded', reason: '' }, undefined, deleting)).Status, 'Succeeded');
    assert.equal(row(pod({ phase: 'Running', reason: 'NodeLost' }, undefined, deleting)).Status, 'Unknown');
  });

  test('scheduling gates and evictions show their reason', () => {
    assert.equal(row(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] })).Status, 'SchedulingGated');
    assert.equal(row(pod({ phase: 'Failed', reason: 'Evicted' })).Status, 'Evicted');
  });

  test('readiness gates and nominated node', () => {
    const r = row(pod(
      { phase: 'Running', nominatedNodeName: 'n2', conditions: [{ type: 'example.com/lb', status: 'True' }, { type: 'example.com/dns', status: 'False' }] },
      { containers: [{ name: 'app' }], readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }, { conditionType: 'example.com/x' }] },
    ));
    assert.equal(r['Readiness Gates'], '1/3');
    assert.equal(r['Nominated Node'], 'n2');
  });

  test('finished pods carry a Completed row condition', () => {
    assert.deepEqual(podPrinter.conditions?.(pod({ phase: 'Succeeded' })), [
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
    ]);
    assert.equal(podPrinter.conditions?.(pod({ phase: 'Running' })), undefined);
  });
});
