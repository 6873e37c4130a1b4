import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStrategy } from 'kubernetes-types/apps/v1.js';
import { maxSurge, maxUnavailable, resolveFenceposts, scaledValue } from './rolling-params.ts';

describe('rolling update parameters', () => {
  test('ints and percentages, surge rounded up and unavailability down', () => {
    const cases: [surge: number | string, unavailable: number | string, replicas: number, want: { surge: number; unavailable: number }][] = [
      ['25%', '25%', 10, { surge: 3, unavailable: 2 }],
      ['25%', '25%', 4, { surge: 1, unavailable: 1 }],
      ['50%', '50%', 3, { surge: 2, unavailable: 1 }],
      [2, 0, 5, { surge: 2, unavailable: 0 }],
      [0, 0, 5, { surge: 0, unavailable: 1 }],
      ['0%', '10%', 5, { surge: 0, unavailable: 1 }],
      ['1', '2', 5, { surge: 1, unavailable: 2 }],
    ];
    for (const [surge, unavailable, replicas, want] of cases) {
      assert.deepEqual(resolveFenceposts(surge, unavailable, replicas), want, `${surge}/${unavailable} of ${replicas}`);
    }
  });

  test('a malformed value is refused', () => {
    assert.throws(() => scaledValue('ten', 10, true), /invalid value for IntOrString/);
  });

  test('Recreate has neither surge nor unavailability budget; maxUnavailable never exceeds replicas', () => {
    const d = (strategy: DeploymentStrategy, replicas: number): Deployment => ({ spec: { replicas, strategy, selector: {}, template: {} } });
    assert.equal(maxSurge(d({ type: 'Recreate' }, 3)), 0);
    assert.equal(maxUnavailable(d({ type: 'Recreate' }, 3)), 0);
    assert.equal(maxUnavailable(d({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 5, maxSurge: 0 } }, 2)), 2);
    assert.equal(maxUnavailable(d({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } }, 0)), 0);
  });
});
