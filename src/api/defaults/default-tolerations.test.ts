import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addDefaultTolerations } from './default-tolerations.ts';

const notReady = (s: number) => ({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s });
const unreachable = (s: number) => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s });

describe('addDefaultTolerations', () => {
  const cases: { name: string; tolerations?: object[]; want: object[] }[] = [
    { name: 'a pod without tolerations gets both', want: [notReady(300), unreachable(200)] },
    {
      name: 'its own not-ready toleration is kept and only unreachable is added',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }],
      want: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }, unreachable(200)],
    },
    {
      name: 'a toleration of every taint (empty key, Exists) covers both',
      tolerations: [{ operator: 'Exists' }],
      want: [{ operator: 'Exists' }],
    },
    {
      name: 'an empty effect covers NoExecute',
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }],
      want: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }, notReady(300)],
    },
    {
      name: 'a NoSchedule toleration does not cover NoExecute',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }],
      want: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }, notReady(300), unreachable(200)],
    },
    {
      name: 'unrelated tolerations stay first',
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
      want: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, notReady(300), unreachable(200)],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const pod: any = { spec: { containers: [{ name: 'c', image: 'busybox' }], ...(c.tolerations ? { tolerations: c.tolerations } : {}) } };
      addDefaultTolerations(pod, 300, 200);
      assert.deepEqual(pod.spec.tolerations, c.want);
    });
  }

  test('is idempotent', () => {
    const pod: any = { spec: {} };
    addDefaultTolerations(pod, 300, 300);
    addDefaultTolerations(pod, 300, 300);
    assert.equal(pod.spec.tolerations.length, 2);
  });
});
