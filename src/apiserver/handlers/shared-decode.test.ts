import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WatchEvent } from '../../storage/store.ts';
import { sharedEventLine, sharedObject } from './shared-decode.ts';

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
});
