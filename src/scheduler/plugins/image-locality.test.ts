import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScorePlugin } from '../framework/interface.ts';
import { imageLocalityScore, newImageLocality, normalizedImageName } from './image-locality.ts';
import { CycleState, fakeHandle, makeNode, makePod, nodeWith } from './fixtures.test-support.ts';

const MB = 1024 * 1024;

const names: [string, string][] = [
  ['nginx', 'nginx:latest'],
  ['nginx:1.25', 'nginx:1.25'],
  ['registry:5000/app', 'registry:5000/app:latest'],
  ['registry:5000/app:v1', 'registry:5000/app:v1'],
];
for (const [input, want] of names) test(`normalizes ${input}`, () => assert.equal(normalizedImageName(input), want));

const scores: { name: string; sum: number; containers: number; want: number }[] = [
  { name: 'below the minimum', sum: 10 * MB, containers: 1, want: 0 },
  { name: 'at the maximum', sum: 1000 * MB, containers: 1, want: 100 },
  { name: 'above the maximum', sum: 3000 * MB, containers: 1, want: 100 },
  { name: 'half way', sum: (23 + (1000 - 23) / 2) * MB, containers: 1, want: 50 },
  { name: 'the maximum grows with containers', sum: 1000 * MB, containers: 2, want: 49 },
];
for (const c of scores) test(c.name, () => assert.equal(imageLocalityScore(c.sum, c.containers), c.want));

test('a node with the image scores above one without', () => {
  const withImage = nodeWith(makeNode('with', { images: [{ names: ['busybox:latest'], sizeBytes: 500 * MB }] }));
  const without = nodeWith(makeNode('without'));
  const plugin = newImageLocality(undefined, fakeHandle([withImage, without])) as ScorePlugin;
  const pod = makePod('p');
  // 500 MB × 1/2 of the nodes = 250 MB → (250-23)/(1000-23).
  assert.equal(plugin.score(new CycleState(), pod, withImage), 23);
  assert.equal(plugin.score(new CycleState(), pod, without), 0);
});
