import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { SliceExpectations } from './slice-expectations.ts';

const slice = (name: string, rv: string): EndpointSlice => ({ metadata: { name, namespace: 'ns', resourceVersion: rv }, addressType: 'IPv4', endpoints: [] });

describe('SliceExpectations', () => {
  test('a Service is stale from a write until the cache shows that write or a later one', () => {
    const e = new SliceExpectations(() => 0);
    const cache = new Map([['web-old', slice('web-old', '5')]]);
    const cached = (name: string) => cache.get(name);
    /** As the informer does: the cache changes, then the handler is told. */
    const show = (s: EndpointSlice, deleted = false) => {
      if (deleted) cache.delete(s.metadata!.name!);
      else cache.set(s.metadata!.name!, s);
      e.observed('ns/web', s, deleted);
    };
    e.written('ns/web', slice('web-abc', '10'));
    e.deleted('ns/web', 'web-old');
    assert.equal(e.stale('ns/web', cached), true);
    show(slice('web-abc', '9'));
    assert.equal(e.stale('ns/web', cached), true, 'an older version is not our write');
    show(slice('web-abc', '12'));
    assert.equal(e.stale('ns/web', cached), true, 'the delete is still unseen');
    show(slice('web-old', '11'));
    assert.equal(e.stale('ns/web', cached), true, 'an update of a slice we deleted is not its deletion');
    show(slice('web-old', '11'), true);
    assert.equal(e.stale('ns/web', cached), false);
    assert.equal(e.stale('ns/other', cached), false);
  });

  test('a write whose watch event came before its answer is not waited for', () => {
    const e = new SliceExpectations(() => 0);
    const cache = new Map<string, EndpointSlice>();
    const cached = (name: string) => cache.get(name);
    // The event is handled first, when nothing is expected yet; the answer is recorded after it.
    cache.set('web-abc', slice('web-abc', '10'));
    assert.equal(e.observed('ns/web', slice('web-abc', '10'), false), 'other');
    e.written('ns/web', slice('web-abc', '10'));
    assert.equal(e.stale('ns/web', cached), false);
    cache.delete('web-abc');
    assert.equal(e.observed('ns/web', slice('web-abc', '10'), true), 'other');
    e.deleted('ns/web', 'web-abc');
    assert.equal(e.stale('ns/web', cached), false);
  });

  test('observing exactly its own last write (or delete) is told apart from any other change', () => {
    const e = new SliceExpectations(() => 0);
    e.written('ns/web', slice('web-abc', '10'));
    e.deleted('ns/web', 'web-old');
    assert.equal(e.observed('ns/web', slice('web-abc', '9'), false), 'other', 'an older version');
    assert.equal(e.observed('ns/web', slice('web-abc', '10'), false), 'own-write');
    assert.equal(e.observed('ns/web', slice('web-abc', '10'), false), 'other', 'only once');
    assert.equal(e.observed('ns/web', slice('web-old', '11'), true), 'own-write');
    e.written('ns/web', slice('web-abc', '12'));
    assert.equal(e.observed('ns/web', slice('web-abc', '14'), false), 'other', 'someone wrote after us');
    e.written('ns/web', slice('web-abc', '15'));
    assert.equal(e.observed('ns/web', slice('web-abc', '15'), true), 'other', 'someone deleted what we wrote');
    assert.equal(e.observed('ns/web', slice('web-new', '16'), false), 'other', 'a slice we never wrote');
  });

  test('an expectation the cache never meets lapses after maxWaitMs', () => {
    let now = 0;
    const e = new SliceExpectations(() => now, 1000);
    e.written('ns/web', slice('web-abc', '10'));
    now = 999;
    assert.equal(e.stale('ns/web', () => undefined), true);
    now = 1000;
    assert.equal(e.stale('ns/web', () => undefined), false);
  });
});
