import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../errors.ts';
import { checkLogStatus, chooseContainer } from './pod-streaming.ts';

function pod(extra: { containers?: string[]; init?: string[]; nodeName?: string; statuses?: NonNullable<Pod['status']>['containerStatuses'] } = {}): Pod {
  return {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      nodeName: extra.nodeName ?? 'node-1',
      containers: (extra.containers ?? ['app']).map((name) => ({ name, image: 'busybox' })),
      initContainers: extra.init?.map((name) => ({ name, image: 'busybox' })),
    },
    status: { containerStatuses: extra.statuses },
  };
}

function message(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 400);
    return err.message;
  }
}

test('chooseContainer: the named one, the only one, or a 400 naming the choices', () => {
  assert.equal(chooseContainer(pod(), undefined), 'app');
  assert.equal(chooseContainer(pod({ containers: ['a', 'b'] }), 'b'), 'b');
  assert.equal(chooseContainer(pod({ containers: ['a'], init: ['setup'] }), 'setup'), 'setup');
  assert.equal(
    message(() => chooseContainer(pod({ containers: ['a', 'b'], init: ['setup'] }), undefined)),
    'a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [setup]',
  );
  assert.equal(message(() => chooseContainer(pod(), 'nope')), 'container nope is not valid for pod web');
});

test('checkLogStatus follows the container state as the kubelet reports it', () => {
  const status = (state: object, lastState: object = {}) => [{ name: 'app', image: 'busybox', imageID: '', ready: false, restartCount: 0, state, lastState }];
  const terminated = { terminated: { exitCode: 1, containerID: 'runc://x' } };
  const table: [string, Pod, boolean, string | undefined][] = [
    ['running', pod({ statuses: status({ running: {} }) }), false, undefined],
    ['terminated', pod({ statuses: status(terminated) }), false, undefined],
    ['crash loop shows the last run', pod({ statuses: status({ waiting: { reason: 'CrashLoopBackOff' } }, terminated) }), false, undefined],
    ['no status yet', pod(), false, 'container "app" in pod "web" is waiting to start: ContainerCreating'],
    ['waiting', pod({ statuses: status({ waiting: { reason: 'ContainerCreating' } }) }), false, 'container "app" in pod "web" is waiting to start: ContainerCreating'],
    ['image pull', pod({ statuses: status({ waiting: { reason: 'ImagePullBackOff' } }) }), false, 'container "app" in pod "web" is waiting to start: trying and failing to pull image'],
    ['previous exists', pod({ statuses: status({ running: {} }, terminated) }), true, undefined],
    ['no previous', pod({ statuses: status({ running: {} }) }), true, 'previous terminated container "app" in pod "web" not found'],
    ['unscheduled: nothing to check', { ...pod(), spec: { containers: [{ name: 'app' }] } }, false, undefined],
  ];
  for (const [name, p, previous, want] of table) assert.equal(message(() => checkLogStatus(p, 'app', previous)), want, name);
});
