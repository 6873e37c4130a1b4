import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideNodeRequest, forbiddenMessage, nodeNameOf, type NodeRequest } from './node-authorizer.ts';

function req(verb: string, resource: string, more: Partial<NodeRequest> = {}): NodeRequest {
  const [group, plural] = resource.includes('/') ? resource.split('/') : ['', resource];
  return { verb, group, resource: plural, subresource: '', namespace: '', name: '', ...more };
}

describe('nodeNameOf', () => {
  const cases: [string, string[], string | undefined][] = [
    ['system:node:a', ['system:nodes', 'system:authenticated'], 'a'],
    ['system:node:a', ['system:authenticated'], undefined],
    ['system:admin', ['system:nodes'], undefined],
    ['system:node:', ['system:nodes'], undefined],
  ];
  for (const [username, groups, want] of cases) {
    it(`${username} in ${groups.join(',')} → ${want}`, () => assert.equal(nodeNameOf({ username, groups }), want));
  }
});

describe('decideNodeRequest (node "a")', () => {
  const cases: [string, NodeRequest, string][] = [
    ['reads every node', req('list', 'nodes'), 'allow'],
    ['watches pods', req('watch', 'pods'), 'allow'],
    ['reads Services', req('get', 'services', { namespace: 'default', name: 's' }), 'allow'],
    ['reads EndpointSlices', req('watch', 'discovery.k8s.io/endpointslices'), 'allow'],
    ['reads Endpoints', req('list', 'endpoints'), 'allow'],
    ['creates a Node, checked by name', req('create', 'nodes'), 'createNamed:a'],
    ['patches its own Node', req('patch', 'nodes', { name: 'a' }), 'allow'],
    ["patches its own Node's status", req('patch', 'nodes', { name: 'a', subresource: 'status' }), 'allow'],
    ['may not patch another Node', req('patch', 'nodes', { name: 'b' }), 'deny:node "a" is not allowed to modify node "b"'],
    ["may not update another Node's status", req('update', 'nodes', { name: 'b', subresource: 'status' }), 'deny:node "a" is not allowed to modify node "b"'],
    ['may not delete another Node', req('delete', 'nodes', { name: 'b' }), 'deny:node "a" is not allowed to modify node "b"'],
    ['may not proxy to a Node', req('get', 'nodes', { name: 'b', subresource: 'proxy' }), 'deny'],
    ['updates pod status, checked against the binding', req('update', 'pods', { namespace: 'd', name: 'p', subresource: 'status' }), 'podBound'],
    ['patches pod status, checked against the binding', req('patch', 'pods', { namespace: 'd', name: 'p', subresource: 'status' }), 'podBound'],
    ['deletes a pod, checked against the binding', req('delete', 'pods', { namespace: 'd', name: 'p' }), 'podBound'],
    ['may not create pods', req('create', 'pods', { namespace: 'd' }), 'deny'],
    ['may not update pod specs', req('update', 'pods', { namespace: 'd', name: 'p' }), 'deny'],
    ['may not exec into pods', req('create', 'pods', { namespace: 'd', name: 'p', subresource: 'exec' }), 'deny'],
    ['may not bind pods', req('create', 'pods', { namespace: 'd', name: 'p', subresource: 'binding' }), 'deny'],
    ['gets a Secret its pods use', req('get', 'secrets', { namespace: 'd', name: 's' }), 'referenced'],
    ['gets a ConfigMap its pods use', req('get', 'configmaps', { namespace: 'd', name: 'c' }), 'referenced'],
    ['gets a PVC its pods use', req('get', 'persistentvolumeclaims', { namespace: 'd', name: 'c' }), 'referenced'],
    ['may not list Secrets', req('list', 'secrets', { namespace: 'd' }), 'deny:can only get individual resources of this type'],
    ['may not write Secrets', req('update', 'secrets', { namespace: 'd', name: 's' }), 'deny'],
    ['may not get a node-password Secret, even its own', req('get', 'secrets', { namespace: 'kube-system', name: 'a.node-password.skiff' }), 'deny:node password Secrets are not readable by nodes'],
    ['gets a like-named Secret elsewhere when referenced', req('get', 'secrets', { namespace: 'd', name: 'a.node-password.skiff' }), 'referenced'],
    ['asks for its pods’ service account tokens', req('create', 'serviceaccounts', { namespace: 'd', name: 'default', subresource: 'token' }), 'referenced'],
    ['may not read service accounts', req('get', 'serviceaccounts', { namespace: 'd', name: 'default' }), 'deny'],
    ['gets its own Lease', req('get', 'coordination.k8s.io/leases', { namespace: 'kube-node-lease', name: 'a' }), 'allow'],
    ['updates its own Lease', req('update', 'coordination.k8s.io/leases', { namespace: 'kube-node-lease', name: 'a' }), 'allow'],
    ['creates a Lease, checked by name', req('create', 'coordination.k8s.io/leases', { namespace: 'kube-node-lease' }), 'createNamed:a'],
    ["may not update another node's Lease", req('update', 'coordination.k8s.io/leases', { namespace: 'kube-node-lease', name: 'b' }), 'deny:can only access node lease with the same name as the requesting node'],
    ['may not touch Leases elsewhere', req('update', 'coordination.k8s.io/leases', { namespace: 'kube-system', name: 'a' }), 'deny'],
    ['creates events', req('create', 'events', { namespace: 'd' }), 'allow'],
    ['patches events.k8s.io events', req('patch', 'events.k8s.io/events', { namespace: 'd', name: 'e' }), 'allow'],
    ['may not delete events', req('delete', 'events', { namespace: 'd', name: 'e' }), 'deny'],
    ['creates its DNS EndpointSlice, checked by name', req('create', 'discovery.k8s.io/endpointslices', { namespace: 'kube-system' }), 'createNamed:kube-dns-a'],
    ['updates its DNS EndpointSlice', req('update', 'discovery.k8s.io/endpointslices', { namespace: 'kube-system', name: 'kube-dns-a' }), 'allow'],
    ['deletes its DNS EndpointSlice', req('delete', 'discovery.k8s.io/endpointslices', { namespace: 'kube-system', name: 'kube-dns-a' }), 'allow'],
    ["may not update another node's DNS EndpointSlice", req('update', 'discovery.k8s.io/endpointslices', { namespace: 'kube-system', name: 'kube-dns-b' }), 'deny:can only modify the EndpointSlice kube-system/kube-dns-a of the requesting node'],
    ['may not create EndpointSlices elsewhere', req('create', 'discovery.k8s.io/endpointslices', { namespace: 'default' }), 'deny:can only modify the EndpointSlice kube-system/kube-dns-a of the requesting node'],
    ['asks who it is', req('create', 'authentication.k8s.io/selfsubjectreviews'), 'allow'],
    ['may not read Deployments', req('list', 'apps/deployments'), 'deny'],
    ['watches namespaces (cluster DNS)', req('watch', 'namespaces'), 'allow'],
    ['may not create namespaces', req('create', 'namespaces'), 'deny'],
    ['may not read RBAC', req('get', 'rbac.authorization.k8s.io/clusterroles', { name: 'admin' }), 'deny'],
  ];
  for (const [what, request, want] of cases) {
    it(what, () => {
      const d = decideNodeRequest('a', request);
      const got = d.kind === 'deny' && d.reason ? `deny:${d.reason}` : d.kind === 'createNamed' ? `createNamed:${d.name}` : d.kind;
      assert.equal(got, want);
    });
  }

  it('words the refusal of a created Node after the name it carries', () => {
    const d = decideNodeRequest('a', req('create', 'nodes'));
    assert.equal(d.kind === 'createNamed' && d.reason('b'), 'node "a" is not allowed to modify node "b"');
  });
});

describe('forbiddenMessage', () => {
  const user = { username: 'system:node:a', groups: ['system:nodes'] };
  it('names the subresource and the cluster scope', () => {
    assert.equal(
      forbiddenMessage(user, req('patch', 'nodes', { name: 'b', subresource: 'status' }), 'node "a" is not allowed to modify node "b"'),
      'User "system:node:a" cannot patch resource "nodes/status" in API group "" at the cluster scope: node "a" is not allowed to modify node "b"',
    );
  });
  it('names the namespace and the group', () => {
    assert.equal(
      forbiddenMessage(user, req('list', 'apps/deployments', { namespace: 'default' })),
      'User "system:node:a" cannot list resource "deployments" in API group "apps" in the namespace "default"',
    );
  });
});
