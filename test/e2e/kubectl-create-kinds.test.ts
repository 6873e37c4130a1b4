/**
 * The kubectl commands that need the RBAC, networking, autoscaling, TokenRequest and access
 * review APIs: `create role|rolebinding|clusterrole|clusterrolebinding|ingress`, `create
 * token`, `autoscale` and `auth can-i`, each with the real kubectl (protobuf bodies), checked
 * against the stored object as `kubectl get -o json` shows it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startCluster, type Cluster, type Kubectl } from './harness.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(() => cluster?.stop());

async function ok(kubectl: Kubectl, args: string[]): Promise<string> {
  const r = await kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function stored(kubectl: Kubectl, args: string[]): Promise<any> {
  return JSON.parse(await ok(kubectl, ['get', ...args, '-o', 'json']));
}

describe('kubectl create for RBAC, ingress, tokens, autoscaling and access reviews', () => {
  test('create role and rolebinding', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    assert.equal(await ok(kubectl, ['create', 'role', 'reader', '-n', ns, '--verb=get,list', '--resource=pods,deployments.apps']), 'role.rbac.authorization.k8s.io/reader created\n');
    const role = await stored(kubectl, ['role', 'reader', '-n', ns]);
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
    ]);
    await ok(kubectl, ['create', 'serviceaccount', 'bot', '-n', ns]);
    assert.equal(
      await ok(kubectl, ['create', 'rolebinding', 'read', '-n', ns, '--role=reader', '--user=alice', `--serviceaccount=${ns}:bot`]),
      'rolebinding.rbac.authorization.k8s.io/read created\n',
    );
    const binding = await stored(kubectl, ['rolebinding', 'read', '-n', ns]);
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' });
    assert.deepEqual(binding.subjects, [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
      { kind: 'ServiceAccount', name: 'bot', namespace: ns },
    ]);
    const wide = await ok(kubectl, ['get', 'rolebinding', 'read', '-n', ns, '-o', 'wide']);
    assert.match(wide, /^read\s+Role\/reader\s+\S+\s+alice\s+\S*bot/m);
    const refused = await kubectl(['create', 'role', 'bad', '-n', ns, '--verb=get', '--non-resource-url=/healthz', '--dry-run=server']);
    assert.notEqual(refused.code, 0);
  });

  test('create clusterrole and clusterrolebinding', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const name = `${ns}-viewer`;
    await ok(kubectl, ['create', 'clusterrole', name, '--verb=get', '--resource=nodes', '--non-resource-url=/logs']);
    t.after(() => kubectl(['delete', 'clusterrole,clusterrolebinding', name, '--ignore-not-found']));
    const role = await stored(kubectl, ['clusterrole', name]);
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
      { nonResourceURLs: ['/logs'], verbs: ['get'] },
    ]);
    await ok(kubectl, ['create', 'clusterrolebinding', name, `--clusterrole=${name}`, '--group=ops']);
    const binding = await stored(kubectl, ['clusterrolebinding', name]);
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name });
    assert.deepEqual(binding.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'ops' }]);
    const table = await ok(kubectl, ['get', 'clusterrole', name]);
    assert.match(table, /^NAME\s+CREATED AT$/m);
  });

  test('create ingress', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await ok(kubectl, ['create', 'ingress', 'web', '-n', ns, '--class=default', '--rule=shop.example/=shop:80', '--rule=shop.example/api*=api:http']);
    const ing = await stored(kubectl, ['ingress', 'web', '-n', ns]);
    assert.equal(ing.spec.ingressClassName, 'default');
    assert.deepEqual(ing.spec.rules[0].http.paths, [
      { path: '/', pathType: 'Exact', backend: { service: { name: 'shop', port: { number: 80 } } } },
      { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } },
    ]);
    assert.match(await ok(kubectl, ['get', 'ing', '-n', ns]), /^web\s+default\s+shop\.example\s+80\s+/m);
  });

  test('create ingressclass from a manifest', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    const name = `${ns}-nginx`;
    const r = await kubectl(['apply', '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name }, spec: { controller: 'example.com/ingress' } }),
    });
    assert.equal(r.code, 0, r.stderr);
    t.after(() => kubectl(['delete', 'ingressclass', name, '--ignore-not-found']));
    assert.equal((await stored(kubectl, ['ingressclass', name])).spec.controller, 'example.com/ingress');
  });

  test('create token: a token the API server accepts as the service account', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await ok(kubectl, ['create', 'serviceaccount', 'robot', '-n', ns]);
    const token = (await ok(kubectl, ['create', 'token', 'robot', '-n', ns, '--duration=20m'])).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, `system:serviceaccount:${ns}:robot`);
    assert.equal(claims.exp - claims.iat, 1200);
    const res = await rawRequest(cluster.kubeConfig, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      anonymous: true,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    });
    assert.equal(res.status, 201, res.body);
    assert.equal(res.json.status.userInfo.username, `system:serviceaccount:${ns}:robot`);
    assert.ok(res.json.status.userInfo.groups.includes(`system:serviceaccounts:${ns}`));

    const otherAudience = (await ok(kubectl, ['create', 'token', 'robot', '-n', ns, '--audience=vault'])).trim();
    const refused = await rawRequest(cluster.kubeConfig, 'GET', '/api/v1/namespaces', { anonymous: true, headers: { Authorization: `Bearer ${otherAudience}` } });
    assert.equal(refused.status, 401, 'a token for another audience does not authenticate to the API server');
    const missing = await kubectl(['create', 'token', 'nobody', '-n', ns]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /serviceaccounts "nobody" not found/);
  });

  test('autoscale: an autoscaling/v1 object, also read as v2', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    await ok(kubectl, ['create', 'deployment', 'web', '-n', ns, '--image=busybox:1']);
    assert.equal(await ok(kubectl, ['autoscale', 'deployment', 'web', '-n', ns, '--min=2', '--max=5', '--cpu-percent=60']), 'horizontalpodautoscaler.autoscaling/web autoscaled\n');
    const v1 = await stored(kubectl, ['horizontalpodautoscalers.v1.autoscaling', 'web', '-n', ns]);
    assert.deepEqual(v1.spec, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 60 });
    const v2 = await stored(kubectl, ['hpa', 'web', '-n', ns]);
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    assert.match(await ok(kubectl, ['get', 'hpa', '-n', ns]), /^web\s+Deployment\/web\s+cpu: <unknown>\/60%\s+2\s+5\s+0\s+/m);
  });

  test('auth can-i: everything is allowed, as Skiff does not enforce RBAC', async (t) => {
    const { ns, kubectl } = await cluster.scope(t);
    assert.equal(await ok(kubectl, ['auth', 'can-i', 'create', 'deployments', '-n', ns]), 'yes\n');
    assert.equal(await ok(kubectl, ['auth', 'can-i', 'get', '/healthz']), 'yes\n');
    const list = await ok(kubectl, ['auth', 'can-i', '--list', '-n', ns]);
    assert.match(list, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
  });
});
