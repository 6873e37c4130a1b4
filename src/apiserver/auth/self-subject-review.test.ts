import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selfSubjectReview } from './self-subject-review.ts';

test('echoes the user as authentication.k8s.io/v1 SelfSubjectReview status.userInfo', () => {
  const user = { username: 'alice', uid: 'u-1', groups: ['dev', 'system:authenticated'], extra: { scopes: ['a', 'b'] } };
  assert.deepEqual(selfSubjectReview(user, new Date('2026-01-02T03:04:05.678Z')), {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: '2026-01-02T03:04:05Z' },
    status: { userInfo: { username: 'alice', uid: 'u-1', groups: ['dev', 'system:authenticated'], extra: { scopes: ['a', 'b'] } } },
  });
});

test('leaves out an absent uid and empty extra', () => {
  const review = selfSubjectReview({ username: 'bob', groups: [], extra: {} }) as { status: { userInfo: object } };
  assert.deepEqual(review.status.userInfo, { username: 'bob', groups: [] });
});
