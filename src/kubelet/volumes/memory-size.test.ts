import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { memoryVolumeSize } from './memory-size.ts';

const Mi = 2 ** 20;
const node = { status: { allocatable: { memory: '1Gi' } } };
const c = (memory?: string): Container => ({ name: 'c', resources: memory ? { limits: { memory } } : {} });
const pod = (containers: Container[], initContainers: Container[] = []): Pod => ({ spec: { containers, initContainers } });

test('memory-backed emptyDir size: the least of node allocatable, pod limit and sizeLimit', () => {
  const cases: Array<[string, Pod, string | undefined, typeof node | undefined, number | undefined]> = [
    ['node allocatable when nothing else', pod([c()]), undefined, node, 1024 * Mi],
    ['pod limit: the sum of container limits', pod([c('100Mi'), c('28Mi')]), undefined, node, 128 * Mi],
    ['no pod limit when a container has none', pod([c('100Mi'), c()]), undefined, node, 1024 * Mi],
    ['a larger init container limit wins', pod([c('100Mi')], [c('300Mi')]), undefined, node, 300 * Mi],
    ['sizeLimit when smaller', pod([c('100Mi')]), '8Mi', node, 8 * Mi],
    ['sizeLimit larger than the pod limit is capped', pod([c('100Mi')]), '1Gi', node, 100 * Mi],
    ['nothing known: the kernel default', pod([c()]), undefined, undefined, undefined],
  ];
  for (const [name, p, sizeLimit, n, want] of cases) {
    assert.equal(memoryVolumeSize(p, { name: 'v', emptyDir: { medium: 'Memory', sizeLimit } }, n), want, name);
  }
});
