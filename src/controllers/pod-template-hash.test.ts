import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { canonicalJson, computePodTemplateHash } from './pod-template-hash.ts';

const template: PodTemplateSpec = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.24' }] } };

describe('pod-template-hash', () => {
  test('stable, in the safe alphabet, and independent of key order and empty values', () => {
    const hash = computePodTemplateHash(template);
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(computePodTemplateHash(structuredClone(template)), hash);
    const reordered: PodTemplateSpec = { spec: { containers: [{ image: 'nginx:1.24', name: 'nginx' }] }, metadata: { labels: { app: 'web' }, creationTimestamp: null as unknown as string } };
    assert.equal(computePodTemplateHash(reordered), hash);
  });

  test('changes with the template and with the collision count', () => {
    const hash = computePodTemplateHash(template);
    const other = structuredClone(template);
    other.spec!.containers[0].image = 'nginx:1.25';
    assert.notEqual(computePodTemplateHash(other), hash);
    assert.notEqual(computePodTemplateHash(template, 1), hash);
    assert.notEqual(computePodTemplateHash(template, 1), computePodTemplateHash(template, 2));
  });

  test('canonical JSON drops null and empty values but keeps zeros and false', () => {
    assert.equal(canonicalJson({ b: 0, a: { z: null, y: {}, x: [] }, c: false }), '{"b":0,"c":false}');
  });
});
