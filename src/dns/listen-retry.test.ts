import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, settle } from '../client/fake-clock.test-support.ts';
import { ListenAbortedError, listenWhenAddressExists } from './listen-retry.ts';

function failing(code: string): Error {
  return Object.assign(new Error(code), { code });
}

test('retries while the address is missing, then listens', async () => {
  const clock = new FakeClock();
  let attempts = 0;
  const waits: string[] = [];
  const result = listenWhenAddressExists(
    async () => {
      attempts++;
      if (attempts < 4) throw failing('EADDRNOTAVAIL');
      return 'listening';
    },
    { signal: new AbortController().signal, clock, onWait: (err) => waits.push(err.message) },
  );
  await clock.advance(200 + 400 + 800);
  assert.equal(await result, 'listening');
  assert.equal(attempts, 4);
  assert.deepEqual(waits, ['EADDRNOTAVAIL']);
});

test('any other error is final', async () => {
  await assert.rejects(
    listenWhenAddressExists(() => Promise.reject(failing('EADDRINUSE')), { signal: new AbortController().signal, clock: new FakeClock() }),
    /EADDRINUSE/,
  );
});

test('gives up when aborted while waiting', async () => {
  const clock = new FakeClock();
  const stop = new AbortController();
  const result = listenWhenAddressExists(() => Promise.reject(failing('EADDRNOTAVAIL')), { signal: stop.signal, clock });
  await settle();
  stop.abort();
  await assert.rejects(result, ListenAbortedError);
});
