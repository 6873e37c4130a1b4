import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fstabField, SHM_OPTIONS, Mounter } from './mounter.ts';

/** A fake `mount -a`: records each fstab it was given and "mounts" every entry but the refused ones. */
function fakeMount(refused: string[] = []) {
  const mounted = new Set<string>();
  const fstabs: string[] = [];
  let release: () => void = () => {};
  let held: Promise<void> | undefined;
  const run = async (argv: string[], { input }: { input: string }) => {
    assert.deepEqual(argv, ['/bin/busybox', 'mount', '-a', '-T', '/dev/stdin']);
    fstabs.push(input);
    await held;
    let failed = false;
    for (const line of input.trim().split('\n')) {
      const path = line.split(' ')[1];
      if (refused.includes(path)) failed = true;
      else mounted.add(path);
    }
    if (failed) throw Object.assign(new Error('mount -a failed'), { stderr: 'mount: mounting shm failed: No space left on device\n' });
  };
  return {
    mounter: new Mounter(run, async (path) => mounted.has(path)),
    mounted,
    fstabs,
    /** Holds the next runs until released. */
    hold() {
      held = new Promise((r) => (release = r));
    },
    release: () => release(),
  };
}

describe('Mounter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-mounter-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const path = (name: string) => join(dir, name);

  test('a request alone is mounted at once, with the pod shm options', async () => {
    const fake = fakeMount();
    await fake.mounter.mountShm(path('a'));
    assert.deepEqual(fake.fstabs, [`shm ${path('a')} tmpfs ${SHM_OPTIONS} 0 0\n`]);
  });

  test('requests that arrive while a mount runs go together in the next one', async () => {
    const fake = fakeMount();
    fake.hold();
    const first = fake.mounter.mountShm(path('b'));
    await new Promise((r) => setImmediate(r));
    const later = [fake.mounter.mountShm(path('c')), fake.mounter.mountShm(path('d'))];
    fake.release();
    await Promise.all([first, ...later]);
    assert.equal(fake.fstabs.length, 2);
    assert.equal(fake.fstabs[1].split('\n').filter(Boolean).length, 2);
    assert.deepEqual([...fake.mounted].sort(), [path('b'), path('c'), path('d')]);
  });

  test('only the request whose mount failed is rejected, with mount\'s message', async () => {
    const fake = fakeMount([path('f')]);
    fake.hold();
    const first = fake.mounter.mountShm(path('e'));
    await new Promise((r) => setImmediate(r));
    const results = Promise.allSettled([fake.mounter.mountShm(path('f')), fake.mounter.mountShm(path('g'))]);
    fake.release();
    await first;
    const [failed, ok] = await results;
    assert.equal(ok.status, 'fulfilled');
    assert.equal(failed.status, 'rejected');
    assert.match(((failed as PromiseRejectedResult).reason as Error).message, /No space left on device/);
  });

  test('an overlay goes in the same batches as the shm mounts, its options as an fstab field', async () => {
    const fake = fakeMount();
    fake.hold();
    const first = fake.mounter.mountShm(path('o1'));
    await new Promise((r) => setImmediate(r));
    const overlay = fake.mounter.mountOverlay(path('o2'), 'lowerdir=/l,upperdir=/u,workdir=/w');
    const shm = fake.mounter.mountShm(path('o3'));
    fake.release();
    await Promise.all([first, overlay, shm]);
    assert.equal(fake.fstabs.length, 2);
    assert.equal(fake.fstabs[1], `overlay ${path('o2')} overlay lowerdir=/l,upperdir=/u,workdir=/w 0 0\nshm ${path('o3')} tmpfs ${SHM_OPTIONS} 0 0\n`);
  });

  test('a path already mounted costs no process', async () => {
    const fake = fakeMount();
    fake.mounted.add(path('h'));
    await fake.mounter.mountShm(path('h'));
    assert.deepEqual(fake.fstabs, []);
  });

  test('fstab fields spell blanks and backslashes in octal', () => {
    assert.equal(fstabField('/run/a b\tc\nd\\e'), '/run/a\\040b\\011c\\012d\\134e');
  });
});
