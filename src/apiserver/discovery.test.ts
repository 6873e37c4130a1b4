import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { aggregatedDiscovery, apiGroupList, apiResourceList, apiVersions, negotiateDiscovery } from './discovery.ts';

const KUBECTL_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

type Entry = { name: string; kind: string; verbs: string[]; group?: string; version?: string; singularName: string; shortNames?: string[]; storageVersionHash?: string; namespaced: boolean; categories?: string[] };

function resourceList(group: string, version: string): { groupVersion: string; resources: Entry[] } {
  const list = apiResourceList(group, version) as { groupVersion: string; resources: Entry[] } | undefined;
  assert.ok(list, `${group}/${version}`);
  return list;
}

function entry(list: { resources: Entry[] }, name: string): Entry {
  const e = list.resources.find((r) => r.name === name);
  assert.ok(e, name);
  return e;
}

describe('legacy discovery', () => {
  test('/api lists v1 and the server address', () => {
    assert.deepEqual(apiVersions({ serverAddress: '10.0.0.1:6443' }), {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6443' }],
    });
  });

  test('/apis lists every named group with its preferred version', () => {
    const list = apiGroupList() as { kind: string; groups: { name: string; versions: unknown[]; preferredVersion: unknown }[] };
    assert.equal(list.kind, 'APIGroupList');
    assert.equal(list.groups[0].name, 'apps');
    const apps = list.groups[0];
    assert.deepEqual(apps.versions, [{ groupVersion: 'apps/v1', version: 'v1' }]);
    assert.deepEqual(apps.preferredVersion, { groupVersion: 'apps/v1', version: 'v1' });
    assert.ok(list.groups.some((g) => g.name === 'discovery.k8s.io'));
    assert.ok(!list.groups.some((g) => g.name === ''));
  });

  test('/api/v1 lists resources and their subresources in name order', () => {
    const list = resourceList('', 'v1');
    assert.equal(list.groupVersion, 'v1');
    const names = list.resources.map((r) => r.name);
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(names.filter((n) => n.startsWith('pods')), [
      'pods', 'pods/attach', 'pods/binding', 'pods/eviction', 'pods/exec', 'pods/log', 'pods/portforward', 'pods/proxy', 'pods/status',
    ]);
    const pods = entry(list, 'pods');
    assert.deepEqual(pods, {
      name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'], categories: ['all'], storageVersionHash: 'xPOwRZ+Yhw8=',
    });
    assert.deepEqual(entry(list, 'pods/log'), { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
    assert.deepEqual(entry(list, 'pods/exec').verbs, ['create', 'get']);
    assert.equal(entry(list, 'pods/exec').kind, 'PodExecOptions');
    assert.deepEqual(entry(list, 'pods/eviction'), {
      name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'],
    });
    assert.deepEqual(entry(list, 'replicationcontrollers/scale'), {
      name: 'replicationcontrollers/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'],
    });
    assert.equal(entry(list, 'services/proxy').kind, 'ServiceProxyOptions');
    assert.equal(entry(list, 'nodes/proxy').kind, 'NodeProxyOptions');
    assert.deepEqual(entry(list, 'namespaces/finalize').verbs, ['update']);
    assert.equal(entry(list, 'serviceaccounts/token').kind, 'TokenRequest');
    assert.equal(entry(list, 'bindings').storageVersionHash, undefined);
  });

  test('/apis/apps/v1 has deployments/scale as autoscaling/v1 Scale', () => {
    const list = resourceList('apps', 'v1');
    assert.equal(list.groupVersion, 'apps/v1');
    assert.equal(entry(list, 'deployments').storageVersionHash, '8aSe+NMegvE=');
    assert.deepEqual(entry(list, 'deployments/scale'), {
      name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'],
    });
    assert.deepEqual(entry(list, 'deployments/status'), { name: 'deployments/status', singularName: '', namespaced: true, kind: 'Deployment', verbs: ['get', 'patch', 'update'] });
  });

  test('events.k8s.io events share the storage hash of core events', () => {
    assert.equal(entry(resourceList('events.k8s.io', 'v1'), 'events').storageVersionHash, entry(resourceList('', 'v1'), 'events').storageVersionHash);
  });

  test('an unserved group version has no list', () => {
    assert.equal(apiResourceList('apps', 'v1beta1'), undefined);
    assert.equal(apiResourceList('storage.k8s.io', 'v1'), undefined);
  });
});

describe('aggregated discovery', () => {
  type Doc = { kind: string; apiVersion: string; items: { metadata: { name?: string }; versions: { version: string; freshness: string; resources: any[] }[] }[] };

  test('/api holds the core group alone', () => {
    const doc = aggregatedDiscovery('api') as Doc;
    assert.equal(doc.kind, 'APIGroupDiscoveryList');
    assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2');
    assert.equal(doc.items.length, 1);
    assert.equal(doc.items[0].metadata.name, undefined);
    const v1 = doc.items[0].versions[0];
    assert.equal(v1.version, 'v1');
    assert.equal(v1.freshness, 'Current');
    const pods = v1.resources.find((r) => r.resource === 'pods');
    assert.deepEqual(pods.responseKind, { group: '', version: 'v1', kind: 'Pod' });
    assert.equal(pods.scope, 'Namespaced');
    assert.equal(pods.singularResource, 'pod');
    assert.deepEqual(pods.shortNames, ['po']);
    assert.deepEqual(pods.categories, ['all']);
    assert.deepEqual(pods.subresources.find((s: any) => s.subresource === 'eviction'), {
      subresource: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'],
    });
    const ns = v1.resources.find((r) => r.resource === 'namespaces');
    assert.equal(ns.scope, 'Cluster');
  });

  test('/apis holds every named group; v2beta1 differs only in apiVersion', () => {
    const doc = aggregatedDiscovery('apis', 'v2beta1') as Doc;
    assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2beta1');
    assert.deepEqual(doc.items.map((i) => i.metadata.name), [
      'apps', 'events.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io',
    ]);
    const apps = doc.items[0].versions[0].resources.find((r) => r.resource === 'deployments');
    assert.deepEqual(apps.subresources.map((s: any) => s.subresource), ['scale', 'status']);
    assert.deepEqual(apps.subresources[0].responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const { apiVersion: _a, ...v2 } = aggregatedDiscovery('apis', 'v2') as any;
    const { apiVersion: _b, ...beta } = doc as any;
    assert.deepEqual(v2, beta);
  });
});

describe('negotiateDiscovery', () => {
  test("kubectl 1.32's Accept header gets v2, with the media type echoed", () => {
    assert.deepEqual(negotiateDiscovery(KUBECTL_ACCEPT), {
      kind: 'aggregated',
      version: 'v2',
      contentType: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    });
  });

  test('older clients asking for v2beta1 get it', () => {
    const choice = negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json');
    assert.deepEqual(choice, {
      kind: 'aggregated',
      version: 'v2beta1',
      contentType: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
    });
  });

  test('plain JSON, a missing header, and protobuf-only aggregated requests get the legacy form', () => {
    assert.deepEqual(negotiateDiscovery('application/json'), { kind: 'legacy' });
    assert.deepEqual(negotiateDiscovery(undefined), { kind: 'legacy' });
    assert.deepEqual(negotiateDiscovery('*/*'), { kind: 'legacy' });
    assert.deepEqual(
      negotiateDiscovery('application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'),
      { kind: 'legacy' },
    );
  });

  test('q values outrank order', () => {
    const choice = negotiateDiscovery('application/json;q=0.5,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    assert.equal(choice.kind, 'aggregated');
    assert.deepEqual(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.1,application/json'), { kind: 'legacy' });
  });

  test('an unknown aggregated version is passed over', () => {
    assert.deepEqual(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json'), { kind: 'legacy' });
  });
});
