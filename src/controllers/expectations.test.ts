import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../client/fake-clock.test-support.ts';
import { ControllerExpectations } from './expectations.ts';

describe('expectations', () => {
  test('creations are counted down as they are observed', () => {
    const e = new ControllerExpectations(new FakeClock());
    assert.ok(e.satisfied('ns/rs'), 'nothing expected yet');
    e.expectCreations('ns/rs', 2);
    assert.ok(!e.satisfied('ns/rs'));
    e.creationObserved('ns/rs');
    assert.ok(!e.satisfied('ns/rs'));
    e.creationObserved('ns/rs');
    assert.ok(e.satisfied('ns/rs'));
  });

  test('deletions are tracked per pod, so seeing one twice does not count twice', () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a');
    assert.ok(!e.satisfied('ns/rs'));
    e.deletionObserved('ns/rs', 'ns/b');
    assert.ok(e.satisfied('ns/rs'));
  });

  test('expectations expire, so a lost event cannot block an owner forever', async () => {
    const clock = new FakeClock();
    const e = new ControllerExpectations(clock, 1000);
    e.expectCreations('ns/rs', 1);
    assert.ok(!e.satisfied('ns/rs'));
    await clock.advance(1001);
    assert.ok(e.satisfied('ns/rs'));
  });

  test('deleting an owner forgets its expectations', () => {
    const e = new ControllerExpectations(new FakeClock());
    e.expectCreations('ns/rs', 1);
    e.delete('ns/rs');
    assert.ok(e.satisfied('ns/rs'));
  });
});
