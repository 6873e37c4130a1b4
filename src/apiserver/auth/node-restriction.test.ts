import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusError } from '../errors.ts';
import type { NodeRequest } from './node-authorizer.ts';
import { createNodeAuthorizer } from './node-restriction.ts';

const nodeA = { username: 'system:node:a', groups: ['system:nodes', 'system:authenticated'] };
const admin = { username: 'system:admin', groups: ['system:masters'] };
const authorize = createNodeAuthorizer({ pod: async () => undefined, podsOnNode: async () => [] });
const req = (verb: string, more: Partial<NodeRequest> = {}): NodeRequest => ({ verb, group: '', resource: 'nodes', subresource: '', namespace: '', name: '', ...more });
const taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };

/** The message of the Forbidden StatusError `fn` throws. */
function refusal(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError && err.code === 403, String(err));
    return err.message;
  }
  assert.fail('expected a refusal');
}

describe('node restriction of a node’s own Node', () => {
  it('lets a node register with taints, but not with labels under node-restriction.kubernetes.io/', async () => {
    const admission = (await authorize(nodeA, req('create')))!;
    admission.create!({ metadata: { name: 'a', labels: { 'kubernetes.io/hostname': 'a' } }, spec: { taints: [taint] } });
    const message = refusal(() => admission.create!({ metadata: { name: 'a', labels: { 'node-restriction.kubernetes.io/pool': 'x', 'sub.node-restriction.kubernetes.io/b': 'y' } } }));
    assert.match(message, /node "a" is not allowed to set the following labels: node-restriction\.kubernetes\.io\/pool, sub\.node-restriction\.kubernetes\.io\/b$/);
  });

  for (const verb of ['update', 'patch']) {
    it(`refuses a ${verb} that changes taints or restricted labels, and allows the rest`, async () => {
      const admission = (await authorize(nodeA, req(verb, { name: 'a' })))!;
      const current = { metadata: { name: 'a', labels: { 'node-restriction.kubernetes.io/pool': 'x' } }, spec: { taints: [taint] } };
      admission.update!({ metadata: { name: 'a', labels: { ...current.metadata.labels, team: 'blue' } }, spec: { taints: [taint] } }, current);
      assert.match(refusal(() => admission.update!({ metadata: current.metadata, spec: {} }, current)), /node "a" is not allowed to modify taints$/);
      assert.match(refusal(() => admission.update!({ metadata: current.metadata, spec: { taints: [{ ...taint, value: 'web' }] } }, current)), /not allowed to modify taints$/);
      assert.match(refusal(() => admission.update!({ metadata: { name: 'a', labels: {} }, spec: current.spec }, current)), /node "a" is not allowed to modify labels: node-restriction\.kubernetes\.io\/pool$/);
    });
  }

  it('leaves status writes and other users alone', async () => {
    assert.equal(await authorize(nodeA, req('patch', { name: 'a', subresource: 'status' })), undefined);
    assert.equal(await authorize(admin, req('patch', { name: 'a' })), undefined);
  });
});
