import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BindPlugin, Handle } from '../framework/interface.ts';
import { newDefaultBinder } from './default-binder.ts';
import { CycleState, fakeHandle, makePod } from './fixtures.test-support.ts';

function binderWith(bind: (ns: string, name: string, node: string, o: { uid?: string }) => Promise<void>): BindPlugin {
  const handle: Handle = { ...fakeHandle([]), client: { bind, delete: async () => undefined, patchStatus: async () => ({}) as never } };
  return newDefaultBinder(undefined, handle) as BindPlugin;
}

test('binds the pod, by uid, to the node', async () => {
  const calls: unknown[] = [];
  const plugin = binderWith(async (...args) => void calls.push(args));
  const got = await plugin.bind(new CycleState(), makePod('web', { namespace: 'shop' }), 'n1');
  assert.equal(got.code, 'Success');
  assert.deepEqual(calls, [['shop', 'web', 'n1', { uid: 'uid-web' }]]);
});

test('a failed binding is an Error status with the reason', async () => {
  const plugin = binderWith(async () => {
    throw new Error('pods "web" is already assigned');
  });
  const got = await plugin.bind(new CycleState(), makePod('web'), 'n1');
  assert.equal(got.code, 'Error');
  assert.deepEqual(got.reasons, ['pods "web" is already assigned']);
});

test('without a client it cannot bind', async () => {
  const plugin = newDefaultBinder(undefined, fakeHandle([])) as BindPlugin;
  assert.equal((await plugin.bind(new CycleState(), makePod('web'), 'n1')).code, 'Error');
});
