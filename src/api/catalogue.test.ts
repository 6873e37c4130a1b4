import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue, findByKind, findResource, groupVersions } from './catalogue.ts';

describe('catalogue', () => {
  test('short names resolve as kubectl knows them', () => {
    const byShort = new Map<string, string>();
    for (const r of catalogue) for (const s of r.shortNames) if (!byShort.has(s)) byShort.set(s, `${r.group}/${r.plural}`);
    const expected: Record<string, string> = {
      po: '/pods', svc: '/services', rc: '/replicationcontrollers', ns: '/namespaces', no: '/nodes',
      cm: '/configmaps', ep: '/endpoints', ev: '/events', sa: '/serviceaccounts', pv: '/persistentvolumes',
      pvc: '/persistentvolumeclaims', quota: '/resourcequotas', limits: '/limitranges',
      rs: 'apps/replicasets', deploy: 'apps/deployments', ds: 'apps/daemonsets', sts: 'apps/statefulsets',
      cj: 'batch/cronjobs', pdb: 'policy/poddisruptionbudgets', pc: 'scheduling.k8s.io/priorityclasses',
      hpa: 'autoscaling/horizontalpodautoscalers', ing: 'networking.k8s.io/ingresses',
    };
    for (const [short, where] of Object.entries(expected)) assert.equal(byShort.get(short), where, short);
  });

  test('`kubectl get all` covers the workload kinds and nothing else', () => {
    const all = [...new Set(catalogue.filter((r) => r.categories.includes('all')).map((r) => `${r.group}/${r.plural}`))].sort();
    assert.deepEqual(all, [
      '/pods', '/replicationcontrollers', '/services',
      'apps/daemonsets', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets',
      'autoscaling/horizontalpodautoscalers', 'batch/cronjobs', 'batch/jobs',
    ]);
  });

  test('verbs and scope follow upstream', () => {
    assert.deepEqual(findResource('', 'v1', 'bindings')?.verbs, ['create']);
    assert.deepEqual(findResource('authentication.k8s.io', 'v1', 'tokenreviews')?.verbs, ['create']);
    assert.equal(findResource('authentication.k8s.io', 'v1', 'selfsubjectreviews')?.namespaced, false);
    assert.ok(!findResource('', 'v1', 'namespaces')?.verbs.includes('deletecollection'));
    assert.deepEqual(findResource('', 'v1', 'pods')?.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    assert.equal(findResource('', 'v1', 'nodes')?.namespaced, false);
    assert.equal(findResource('scheduling.k8s.io', 'v1', 'priorityclasses')?.namespaced, false);
  });

  test('subresources: status where upstream has one, scale on the four scalable kinds', () => {
    const withStatus = [...new Set(catalogue.filter((r) => r.subresources.includes('status')).map((r) => r.plural))].sort();
    assert.deepEqual(withStatus, [
      'cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'ingresses', 'jobs', 'namespaces', 'nodes', 'persistentvolumeclaims',
      'persistentvolumes', 'poddisruptionbudgets', 'pods', 'replicasets', 'replicationcontrollers',
      'resourcequotas', 'services', 'statefulsets',
    ]);
    const scalable = catalogue.filter((r) => r.subresources.includes('scale')).map((r) => r.plural).sort();
    assert.deepEqual(scalable, ['deployments', 'replicasets', 'replicationcontrollers', 'statefulsets']);
    assert.ok(findResource('', 'v1', 'serviceaccounts')?.subresources.includes('token'));
    assert.ok(findResource('', 'v1', 'namespaces')?.subresources.includes('finalize'));
    for (const s of ['binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy']) {
      assert.ok(findResource('', 'v1', 'pods')?.subresources.includes(s), s);
    }
  });

  test('lookups by plural and by kind tell the two Event kinds apart', () => {
    assert.equal(findResource('', 'v1', 'events')?.group, '');
    assert.equal(findResource('events.k8s.io', 'v1', 'events')?.group, 'events.k8s.io');
    assert.equal(findByKind('apps', 'Deployment')?.plural, 'deployments');
    assert.equal(findByKind('', 'Deployment'), undefined);
    assert.equal(findResource('apps', 'v1beta1', 'deployments'), undefined);
    assert.equal(findByKind('', 'Endpoints')?.singular, 'endpoints');
    assert.equal(findByKind('policy', 'PodDisruptionBudget')?.listKind, 'PodDisruptionBudgetList');
  });

  test('group versions: core first, a group\'s preferred version before its others', () => {
    const gvs = groupVersions();
    assert.deepEqual(gvs[0], { group: '', version: 'v1' });
    assert.deepEqual(gvs.map((g) => `${g.group}/${g.version}`), [
      '/v1', 'apps/v1', 'events.k8s.io/v1', 'authentication.k8s.io/v1', 'authorization.k8s.io/v1', 'autoscaling/v2', 'autoscaling/v1',
      'batch/v1', 'networking.k8s.io/v1', 'policy/v1', 'rbac.authorization.k8s.io/v1', 'scheduling.k8s.io/v1',
      'coordination.k8s.io/v1', 'discovery.k8s.io/v1',
    ]);
    assert.equal(findByKind('autoscaling', 'HorizontalPodAutoscaler')?.version, 'v2');
  });
});
