import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { slowStartBatch } from './slow-start.ts';

describe('slow-start batches', () => {
  test('batches double: 1, 2, 4, ... until the count is reached', async () => {
    let inFlight = 0;
    const batches: number[] = [];
    let calls = 0;
    const result = await slowStartBatch(10, 1, async () => {
      if (inFlight++ === 0) batches.push(0);
      batches[batches.length - 1]++;
      calls++;
      await Promise.resolve();
      inFlight--;
    });
    assert.deepEqual(result, { successes: 10 });
    assert.equal(calls, 10);
    assert.deepEqual(batches, [1, 2, 4, 3]);
  });

  test('stops after the first batch with a failure', async () => {
    let calls = 0;
    const result = await slowStartBatch(100, 1, async () => {
      calls++;
      if (calls === 3) throw new Error('quota exceeded');
    });
    assert.equal(calls, 3, 'batches of 1 and 2 ran, nothing after');
    assert.equal(result.successes, 2);
    assert.match(String(result.error), /quota exceeded/);
  });

  test('zero does nothing', async () => {
    assert.deepEqual(await slowStartBatch(0, 1, async () => assert.fail('not called')), { successes: 0 });
  });
});
