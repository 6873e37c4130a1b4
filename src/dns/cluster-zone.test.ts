import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Namespace, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ObjectCache } from '../client/index.ts';
import { CacheClusterView } from './cluster-view.ts';
import { answerFromCluster } from './cluster-zone.ts';
import { CLASS_IN, RCode, RRType, typeName, type ResourceRecord } from './message.ts';

function service(namespace: string, name: string, spec: Service['spec']): Service {
  return { metadata: { namespace, name }, spec };
}

function slice(namespace: string, name: string, serviceName: string, endpoints: EndpointSlice['endpoints'], ports?: EndpointSlice['ports']): EndpointSlice {
  return { metadata: { namespace, name, labels: { 'kubernetes.io/service-name': serviceName } }, addressType: 'IPv4', endpoints, ports };
}

function fixture(synced = true): CacheClusterView {
  const namespaces = new ObjectCache<Namespace>();
  for (const name of ['default', 'shop', 'kube-system']) namespaces.set({ metadata: { name } });
  const services = new ObjectCache<Service>();
  for (const s of [
    service('default', 'web', { clusterIP: '10.43.0.7', clusterIPs: ['10.43.0.7'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }] }),
    service('default', 'plain', { clusterIP: '10.43.0.8', ports: [{ port: 8080 }] }),
    service('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
    service('default', 'nobody', { clusterIP: 'None', ports: [{ name: 'x', port: 1 }] }),
    service('default', 'raw', { clusterIP: 'None' }),
    service('shop', 'ext', { type: 'ExternalName', externalName: 'Example.COM.' }),
    service('kube-system', 'kube-dns', { clusterIP: '10.43.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
  ])
    services.set(s);
  const endpointSlices = new ObjectCache<EndpointSlice>();
  endpointSlices.set(
    slice(
      'default',
      'db-abc',
      'db',
      [
        { addresses: ['10.42.0.5'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.42.0.6'], hostname: 'db-1', conditions: { ready: true } },
        { addresses: ['10.42.0.7'], hostname: 'db-2', conditions: { ready: false } },
      ],
      [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    ),
  );
  endpointSlices.set(slice('default', 'db-def', 'db', [{ addresses: ['10.42.1.5'] }], [{ name: 'pg', port: 5432, protocol: 'TCP' }]));
  endpointSlices.set(slice('default', 'raw-1', 'raw', [{ addresses: ['10.42.2.2'], conditions: { ready: true } }]));
  endpointSlices.set(slice('default', 'web-1', 'web', [{ addresses: ['10.42.0.9'], conditions: { ready: true } }], [{ name: 'http', port: 8080, protocol: 'TCP' }]));
  const view = new CacheClusterView({ services, endpointSlices, namespaces, hasSynced: () => synced });
  view.noteChange(1_700_000_000_000);
  return view;
}

function show(rr: ResourceRecord): string {
  const d = rr.data;
  const text =
    d.kind === 'address' ? d.address
    : d.kind === 'name' ? d.target
    : d.kind === 'srv' ? `${d.priority} ${d.weight} ${d.port} ${d.target}`
    : d.kind === 'txt' ? d.strings.join(' ')
    : d.kind === 'soa' ? `${d.mname} ${d.rname} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`
    : d.kind;
  return `${rr.name} ${rr.ttl} ${typeName(rr.type)} ${text}`;
}

const SOA = 'cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 1700000000 7200 1800 86400 30';

describe('answerFromCluster', () => {
  const view = fixture();
  const cases: Array<[string, string, keyof typeof RRType, number, string[], string[]?]> = [
    ['ClusterIP Service', 'web.default.svc.cluster.local', 'A', RCode.NoError, ['web.default.svc.cluster.local 5 A 10.43.0.7']],
    ['case is kept in the answer, ignored in the match', 'WEB.Default.svc.Cluster.Local', 'A', RCode.NoError, ['WEB.Default.svc.Cluster.Local 5 A 10.43.0.7']],
    ['no AAAA for an IPv4 Service', 'web.default.svc.cluster.local', 'AAAA', RCode.NoError, [SOA]],
    ['MX of an existing name', 'web.default.svc.cluster.local', 'MX', RCode.NoError, [SOA]],
    ['unknown Service', 'nope.default.svc.cluster.local', 'A', RCode.NXDomain, [SOA]],
    ['unknown namespace', 'web.nope.svc.cluster.local', 'A', RCode.NXDomain, [SOA]],
    ['MX of a missing name', 'nope.default.svc.cluster.local', 'MX', RCode.NXDomain, [SOA]],
    ['namespace alone', 'default.svc.cluster.local', 'A', RCode.NoError, [SOA]],
    ['svc alone', 'svc.cluster.local', 'A', RCode.NoError, [SOA]],
    ['apex A', 'cluster.local', 'A', RCode.NoError, [SOA]],
    ['neither svc nor pod', 'web.default.foo.cluster.local', 'A', RCode.NXDomain, [SOA]],
    ['too many labels', 'a.b.c.web.default.svc.cluster.local', 'A', RCode.NXDomain, [SOA]],
    ['headless: ready endpoints only', 'db.default.svc.cluster.local', 'A', RCode.NoError, ['db.default.svc.cluster.local 5 A 10.42.0.5', 'db.default.svc.cluster.local 5 A 10.42.0.6', 'db.default.svc.cluster.local 5 A 10.42.1.5']],
    ['headless without endpoints', 'nobody.default.svc.cluster.local', 'A', RCode.NXDomain, [SOA]],
    ['headless slice without ports', 'raw.default.svc.cluster.local', 'A', RCode.NoError, ['raw.default.svc.cluster.local 5 A 10.42.2.2']],
    ['endpoint by hostname', 'db-1.db.default.svc.cluster.local', 'A', RCode.NoError, ['db-1.db.default.svc.cluster.local 5 A 10.42.0.6']],
    ['endpoint by dashed address', '10-42-1-5.db.default.svc.cluster.local', 'A', RCode.NoError, ['10-42-1-5.db.default.svc.cluster.local 5 A 10.42.1.5']],
    ['endpoint of a ClusterIP Service', '10-42-0-9.web.default.svc.cluster.local', 'A', RCode.NoError, ['10-42-0-9.web.default.svc.cluster.local 5 A 10.42.0.9']],
    ['not-ready endpoint', 'db-2.db.default.svc.cluster.local', 'A', RCode.NXDomain, [SOA]],
    [
      'SRV of a named port',
      '_http._tcp.web.default.svc.cluster.local',
      'SRV',
      RCode.NoError,
      ['_http._tcp.web.default.svc.cluster.local 5 SRV 0 100 80 web.default.svc.cluster.local'],
      ['web.default.svc.cluster.local 5 A 10.43.0.7'],
    ],
    ['SRV with the wrong protocol', '_http._udp.web.default.svc.cluster.local', 'SRV', RCode.NXDomain, [SOA]],
    ['SRV of an unnamed port', '_8080._tcp.plain.default.svc.cluster.local', 'SRV', RCode.NXDomain, [SOA]],
    [
      'SRV of every port',
      'web.default.svc.cluster.local',
      'SRV',
      RCode.NoError,
      ['web.default.svc.cluster.local 5 SRV 0 50 80 web.default.svc.cluster.local', 'web.default.svc.cluster.local 5 SRV 0 50 9090 web.default.svc.cluster.local'],
      ['web.default.svc.cluster.local 5 A 10.43.0.7'],
    ],
    [
      'headless SRV, one per endpoint',
      '_pg._tcp.db.default.svc.cluster.local',
      'SRV',
      RCode.NoError,
      [
        '_pg._tcp.db.default.svc.cluster.local 5 SRV 0 33 5432 db-0.db.default.svc.cluster.local',
        '_pg._tcp.db.default.svc.cluster.local 5 SRV 0 33 5432 db-1.db.default.svc.cluster.local',
        '_pg._tcp.db.default.svc.cluster.local 5 SRV 0 33 5432 10-42-1-5.db.default.svc.cluster.local',
      ],
      ['db-0.db.default.svc.cluster.local 5 A 10.42.0.5', 'db-1.db.default.svc.cluster.local 5 A 10.42.0.6', '10-42-1-5.db.default.svc.cluster.local 5 A 10.42.1.5'],
    ],
    ['ExternalName A', 'ext.shop.svc.cluster.local', 'A', RCode.NoError, ['ext.shop.svc.cluster.local 5 CNAME example.com']],
    ['ExternalName CNAME', 'ext.shop.svc.cluster.local', 'CNAME', RCode.NoError, ['ext.shop.svc.cluster.local 5 CNAME example.com']],
    ['ExternalName SRV', '_http._tcp.ext.shop.svc.cluster.local', 'SRV', RCode.NoError, [SOA]],
    ['pod by dashed address', '10-42-0-99.shop.pod.cluster.local', 'A', RCode.NoError, ['10-42-0-99.shop.pod.cluster.local 5 A 10.42.0.99']],
    ['pod in an unknown namespace', '10-42-0-99.nope.pod.cluster.local', 'A', RCode.NXDomain, [SOA]],
    ['pod name that is no address', 'web.shop.pod.cluster.local', 'A', RCode.NXDomain, [SOA]],
    ['nameserver', 'ns.dns.cluster.local', 'A', RCode.NoError, ['ns.dns.cluster.local 5 A 10.43.0.10']],
    ['schema version', 'dns-version.cluster.local', 'TXT', RCode.NoError, ['dns-version.cluster.local 28800 TXT 1.1.0']],
    ['apex SOA', 'cluster.local', 'SOA', RCode.NoError, [SOA]],
    ['apex NS', 'cluster.local', 'NS', RCode.NoError, ['cluster.local 5 NS ns.dns.cluster.local'], ['ns.dns.cluster.local 5 A 10.43.0.10']],
    ['PTR of a ClusterIP', '7.0.43.10.in-addr.arpa', 'PTR', RCode.NoError, ['7.0.43.10.in-addr.arpa 5 PTR web.default.svc.cluster.local']],
    ['PTR of an endpoint', '6.0.42.10.in-addr.arpa', 'PTR', RCode.NoError, ['6.0.42.10.in-addr.arpa 5 PTR db-1.db.default.svc.cluster.local']],
  ];
  for (const [name, qname, type, rcode, records, additionals] of cases) {
    test(name, () => {
      const answer = answerFromCluster({ name: qname, type: RRType[type], class: CLASS_IN }, view, { zone: 'cluster.local' });
      assert.ok(answer);
      assert.equal(answer.rcode, rcode);
      assert.deepEqual([...answer.answers, ...answer.authorities].map(show), records);
      assert.deepEqual(answer.additionals.map(show), additionals ?? []);
    });
  }

  for (const [name, qname, type] of [
    ['a name outside the zone', 'example.com', 'A'],
    ['a zone that merely ends alike', 'notcluster.local', 'A'],
    ['PTR of an address the cluster does not know', '1.1.1.1.in-addr.arpa', 'PTR'],
  ] as const) {
    test(`${name} is left to the upstreams`, () => assert.equal(answerFromCluster({ name: qname, type: RRType[type], class: CLASS_IN }, view, { zone: 'cluster.local' }), undefined));
  }

  test('before the caches sync, a missing name is SERVFAIL, not NXDOMAIN', () => {
    const answer = answerFromCluster({ name: 'nope.default.svc.cluster.local', type: RRType.A, class: CLASS_IN }, fixture(false), { zone: 'cluster.local' });
    assert.equal(answer?.rcode, RCode.ServFail);
  });
});
