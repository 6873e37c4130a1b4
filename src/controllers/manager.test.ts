import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane } from '../index.ts';
import { waitFor } from '../client/control-plane.test-support.ts';
import type { ControllerConstructor } from './controller.ts';
import { startControllerManager } from './manager.ts';

/** A controller that only reports whether it is running. */
function probe(running: Set<string>, who: string): ControllerConstructor {
  return () => ({
    name: `probe-${who}`,
    run: (signal) =>
      new Promise<void>((resolve) => {
        running.add(who);
        signal.addEventListener('abort', () => {
          running.delete(who);
          resolve();
        });
      }),
  });
}

test('two controller managers never run their controllers at once; the second takes over', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-cm-'));
  const plane = await startControlPlane({ dataDir, port: 0, controllers: false });
  const running = new Set<string>();
  const a = await startControllerManager({ kubeconfigPath: plane.kubeconfigPath, controllers: [probe(running, 'a')], identity: 'a' });
  const b = await startControllerManager({ kubeconfigPath: plane.kubeconfigPath, controllers: [probe(running, 'b')], identity: 'b' });
  try {
    await waitFor('one manager to lead', () => running.size === 1);
    const first = [...running][0];
    // Both keep campaigning for a while: still exactly one leader.
    for (let i = 0; i < 10; i++) {
      assert.deepEqual([...running], [first]);
      await new Promise((r) => setTimeout(r, 300));
    }
    await (first === 'a' ? a : b).stop();
    const second = first === 'a' ? 'b' : 'a';
    await waitFor('the other manager to take over', () => running.has(second), 30_000);
    assert.deepEqual([...running], [second]);
  } finally {
    await a.stop();
    await b.stop();
    await plane.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
