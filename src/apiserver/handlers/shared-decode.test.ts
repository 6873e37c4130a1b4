import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WatchEvent } from '../../storage/store.ts';
import { RecentMemo, sharedEventLine, sharedObject } from './shared-decode.ts';

const event = (name: string, rev: number): WatchEvent => ({
  type: 'PUT',
  kv: { key: `/registry/pods/ns/${name}`, value: JSON.stringify({ kind: 'Pod', metadata: { name } }), createRevision: rev, modRevision: rev },
});

describe('shared decoding of watch events', () => {
  test('every watcher of an event gets one parsed object and one line', () => {
    const ev = event('a', 7);
    const obj = sharedObject(ev);
    assert.equal(sharedObject(ev), obj);
    assert.equal(obj.metadata?.resourceVersion, '7');
    assert.equal(sharedEventLine('ADDED', obj), sharedEventLine('ADDED', obj));
    assert.equal(sharedEventLine('ADDED', obj), `{"type":"ADDED","object":${JSON.stringify(obj)}}\n`);
  });

  test('the memo keeps the last size to 2×size entries, then forgets the oldest', () => {
    const memo = new RecentMemo<number, string>(2);
    for (let i = 0; i < 5; i++) memo.set(i, `v${i}`);
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => memo.get(i)), [undefined, undefined, 'v2', 'v3', 'v4']);
    memo.set(5, 'v5');
    memo.set(6, 'v6');
    assert.deepEqual([3, 4, 5, 6].map((i) => memo.get(i)), [undefined, 'v4', 'v5', 'v6']);
  });
});
