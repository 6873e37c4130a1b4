import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { evictionTime, tolerates } from './taints.ts';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' };
const T0 = Date.parse('2024-01-01T00:00:00Z');

describe('tolerates', () => {
  const cases: { name: string; toleration: Toleration; taint: Taint; want: boolean }[] = [
    { name: 'Exists on the key', toleration: { key: 'k', operator: 'Exists' }, taint: { key: 'k', value: 'v', effect: 'NoSchedule' }, want: true },
    { name: 'Equal with the same value', toleration: { key: 'k', value: 'v' }, taint: { key: 'k', value: 'v', effect: 'NoSchedule' }, want: true },
    { name: 'Equal with another value', toleration: { key: 'k', operator: 'Equal', value: 'w' }, taint: { key: 'k', value: 'v', effect: 'NoSchedule' }, want: false },
    { name: 'another key', toleration: { key: 'j', operator: 'Exists' }, taint: { key: 'k', effect: 'NoSchedule' }, want: false },
    { name: 'another effect', toleration: { key: 'k', operator: 'Exists', effect: 'NoSchedule' }, taint: { key: 'k', effect: 'NoExecute' }, want: false },
    { name: 'empty key with Exists: everything', toleration: { operator: 'Exists' }, taint: { key: 'k', effect: 'NoExecute' }, want: true },
    { name: 'empty key with Equal: nothing', toleration: { operator: 'Equal' }, taint: { key: 'k', effect: 'NoExecute' }, want: false },
    { name: 'an empty value equals a missing one', toleration: { key: 'k', operator: 'Equal', value: '' }, taint: { key: 'k', effect: 'NoExecute' }, want: true },
  ];
  for (const c of cases) test(c.name, () => assert.equal(tolerates(c.toleration, c.taint), c.want));
});

describe('evictionTime', () => {
  const now = T0 + 10_000;
  const cases: { name: string; tolerations?: Toleration[]; taints: Taint[]; want: number | undefined }[] = [
    { name: 'no taints: never', taints: [], want: undefined },
    { name: 'only NoSchedule taints: never', taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }], want: undefined },
    { name: 'an untolerated NoExecute taint: now', taints: [unreachable], want: now },
    { name: 'tolerated for good', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }], taints: [unreachable], want: undefined },
    {
      name: 'tolerated for 300 s, counted from when the taint was added',
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
      taints: [unreachable],
      want: T0 + 300_000,
    },
    {
      name: 'the shortest toleration wins',
      tolerations: [
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
        { operator: 'Exists', tolerationSeconds: 5 },
      ],
      taints: [unreachable],
      want: T0 + 5_000,
    },
    {
      name: 'tolerationSeconds 0: now',
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 0 }],
      taints: [unreachable],
      want: now,
    },
    {
      name: 'one of two taints untolerated: now',
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }],
      taints: [unreachable, { key: 'dedicated', effect: 'NoExecute' }],
      want: now,
    },
    {
      name: 'a taint without timeAdded counts from now',
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 2 }],
      taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
      want: now + 2_000,
    },
  ];
  for (const c of cases) test(c.name, () => assert.equal(evictionTime(c.tolerations, c.taints, now), c.want));
});
