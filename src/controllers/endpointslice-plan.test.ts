import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { planSlices, type EndpointGroup, type SlicePlan } from './endpointslice-plan.ts';

const labels = { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' };
const http: EndpointPort[] = [{ name: 'http', port: 8080, protocol: 'TCP' }];
const alt: EndpointPort[] = [{ name: 'http', port: 8081, protocol: 'TCP' }];

function ep(n: number, ready = true): Endpoint {
  return {
    addresses: [`10.0.0.${n}`],
    conditions: { ready, serving: ready, terminating: false },
    targetRef: { kind: 'Pod', namespace: 'ns', name: `p${n}`, uid: `u${n}` },
  };
}
const eps = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ep(from + i));

function slice(name: string, ports: EndpointPort[], endpoints: Endpoint[], sliceLabels: Record<string, string> = labels): EndpointSlice {
  return { metadata: { name, namespace: 'ns', labels: sliceLabels }, addressType: 'IPv4', ports, endpoints };
}

/** The plan in a form easy to compare: names of slices, pod numbers of endpoints. */
function summary(plan: SlicePlan) {
  const nums = (list: Endpoint[]) => list.map((e) => Number(e.targetRef!.name!.slice(1)));
  return {
    create: plan.create.map((c) => ({ port: c.ports[0]?.port ?? null, endpoints: nums(c.endpoints) })),
    update: plan.update.map((u) => ({ slice: u.slice.metadata!.name, port: u.ports[0]?.port ?? null, endpoints: nums(u.endpoints) })),
    delete: plan.delete.map((s) => s.metadata!.name),
  };
}

const cases: { name: string; existing: EndpointSlice[]; desired: EndpointGroup[]; max?: number; want: ReturnType<typeof summary> }[] = [
  {
    name: 'no slices yet: one slice per port set, at most max endpoints each',
    existing: [],
    desired: [{ ports: http, endpoints: eps(1, 5) }, { ports: alt, endpoints: [ep(9)] }],
    max: 2,
    want: { create: [{ port: 8080, endpoints: [1, 2] }, { port: 8080, endpoints: [3, 4] }, { port: 8080, endpoints: [5] }, { port: 8081, endpoints: [9] }], update: [], delete: [] },
  },
  {
    name: 'nothing changed: no writes',
    existing: [slice('a', http, eps(1, 3))],
    desired: [{ ports: http, endpoints: eps(1, 3) }],
    want: { create: [], update: [], delete: [] },
  },
  {
    name: 'a readiness flip updates the slice in place',
    existing: [slice('a', http, eps(1, 3)), slice('b', http, eps(4, 5))],
    desired: [{ ports: http, endpoints: [ep(1), ep(2, false), ep(3), ep(4), ep(5)] }],
    want: { create: [], update: [{ slice: 'a', port: 8080, endpoints: [1, 2, 3] }], delete: [] },
  },
  {
    name: 'new endpoints go first into a slice being updated anyway',
    existing: [slice('a', http, eps(1, 2)), slice('b', http, eps(3, 3))],
    desired: [{ ports: http, endpoints: [ep(1), ep(3), ep(4), ep(5)] }],
    max: 3,
    want: { create: [], update: [{ slice: 'a', port: 8080, endpoints: [1, 4, 5] }], delete: [] },
  },
  {
    name: 'endpoints left over that fit one unchanged slice go there rather than into a new slice',
    existing: [slice('a', http, eps(1, 1))],
    desired: [{ ports: http, endpoints: [ep(1), ep(2)] }],
    want: { create: [], update: [{ slice: 'a', port: 8080, endpoints: [1, 2] }], delete: [] },
  },
  {
    name: 'a slice whose endpoints are all gone is deleted',
    existing: [slice('a', http, eps(1, 1)), slice('b', http, eps(2, 2))],
    desired: [{ ports: http, endpoints: [ep(2)] }],
    want: { create: [], update: [], delete: ['a'] },
  },
  {
    name: 'a port change rewrites the stale slice instead of deleting it and creating another',
    existing: [slice('a', http, eps(1, 2))],
    desired: [{ ports: alt, endpoints: eps(1, 2) }],
    want: { create: [], update: [{ slice: 'a', port: 8081, endpoints: [1, 2] }], delete: [] },
  },
  {
    name: 'no endpoints at all: one empty placeholder slice',
    existing: [],
    desired: [],
    want: { create: [{ port: null, endpoints: [] }], update: [], delete: [] },
  },
  {
    name: 'the last endpoint going turns its slice into the placeholder',
    existing: [slice('a', http, eps(1, 1))],
    desired: [],
    want: { create: [], update: [{ slice: 'a', port: null, endpoints: [] }], delete: [] },
  },
  {
    name: 'an existing placeholder is kept; the first endpoint reuses it',
    existing: [slice('p', [], [])],
    desired: [{ ports: http, endpoints: [ep(1)] }],
    want: { create: [], update: [{ slice: 'p', port: 8080, endpoints: [1] }], delete: [] },
  },
  {
    name: 'an existing placeholder stays as it is while there are no endpoints',
    existing: [slice('p', [], [])],
    desired: [],
    want: { create: [], update: [], delete: [] },
  },
  {
    name: 'an endpoint listed twice (in two slices) is kept once',
    existing: [slice('a', http, eps(1, 2)), slice('b', http, eps(2, 3))],
    desired: [{ ports: http, endpoints: eps(1, 3) }],
    want: { create: [], update: [{ slice: 'b', port: 8080, endpoints: [3] }], delete: [] },
  },
  {
    name: 'a slice with the wrong labels is updated',
    existing: [slice('a', http, eps(1, 1), { ...labels, extra: 'x' })],
    desired: [{ ports: http, endpoints: eps(1, 1) }],
    want: { create: [], update: [{ slice: 'a', port: 8080, endpoints: [1] }], delete: [] },
  },
];

describe('planSlices', () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(summary(planSlices(c.existing, c.desired, { labels, maxEndpointsPerSlice: c.max })), c.want);
    });
  }

  test('never puts more than maxEndpointsPerSlice endpoints in a slice (default 100)', () => {
    const plan = planSlices([slice('a', http, eps(1, 60))], [{ ports: http, endpoints: eps(1, 250) }], { labels });
    assert.deepEqual(plan.create.map((c) => c.endpoints.length), [100, 90], 'what does not fit the unchanged slice whole goes to new full slices');
    assert.deepEqual(plan.update, []);
    const grown = planSlices([slice('a', http, eps(1, 60))], [{ ports: http, endpoints: [ep(1000, false), ...eps(2, 150)] }], { labels });
    assert.deepEqual([...grown.update, ...grown.create].map((c) => c.endpoints.length), [100, 50], 'the slice being updated is filled up to 100 first');
  });
});
