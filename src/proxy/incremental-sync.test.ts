// A sync that recomputes only the dirty Services (portsOfService → serviceRuleset → joinRulesets
// → diffScript over their parts, as proxier.ts does) must write what recomputing everything
// (proxiedServicePorts → desiredRuleset → diffScript over the whole rulesets) would write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { diffScript } from './nft-script.ts';
import { desiredRuleset, joinRulesets, serviceRuleset, type RulesetConfig } from './ruleset.ts';
import { portsOfService, proxiedServicePorts, serviceKeyOf, serviceKeyOfSlice } from './service-ports.ts';

const NODE = 'n1';
const config: RulesetConfig = { clusterCIDR: '10.42.0.0/16', nodePortAddresses: ['192.168.1.1', '127.0.0.1'] };

interface World {
  services: Service[];
  slices: EndpointSlice[];
}

function svc(name: string, ip: string, spec: Partial<ServiceSpec> = {}): Service {
  return { metadata: { namespace: 'ns', name }, spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec } };
}

function slice(service: string, ips: string[], name = `${service}-abc`, protocol = 'TCP', portName = 'http'): EndpointSlice {
  return {
    metadata: { namespace: 'ns', name, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: portName, port: 8080, protocol }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: NODE })),
  };
}

const world: World = {
  services: [
    svc('web', '10.43.0.10'),
    // 'web-a' sorts before 'web' by port id ('-' < '/') but after it by Service key.
    svc('web-a', '10.43.0.11', { type: 'NodePort', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] }),
    svc('sticky', '10.43.0.12', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
    svc('dns', '10.43.0.13', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }], internalTrafficPolicy: 'Local' }),
    svc('empty', '10.43.0.14'),
    svc('headless', 'None'),
  ],
  slices: [
    slice('web', ['10.42.0.5', '10.42.0.6']),
    slice('web-a', ['10.42.0.7'], 'web-a-1'),
    slice('web-a', ['10.42.0.8'], 'web-a-2'),
    slice('sticky', ['10.42.0.9', '10.42.0.10']),
    slice('dns', ['10.42.0.11'], 'dns-abc', 'UDP', 'dns'),
    slice('headless', ['10.42.0.12']),
  ],
};

const withService = (w: World, name: string, s: Service | undefined): World => ({
  services: [...w.services.filter((x) => x.metadata!.name !== name), ...(s ? [s] : [])],
  slices: w.slices,
});
const withSlice = (w: World, name: string, s: EndpointSlice | undefined): World => ({
  services: w.services,
  slices: [...w.slices.filter((x) => x.metadata!.name !== name), ...(s ? [s] : [])],
});

/** The whole-table difference, recomputing every Service. */
function fullDiff(before: World, after: World): string {
  const rulesetOf = (w: World) => desiredRuleset(proxiedServicePorts(w.services, w.slices, NODE), config);
  return diffScript('t', rulesetOf(before), rulesetOf(after));
}

/** The difference over the dirty Services' parts only. */
function dirtyDiff(before: World, after: World, dirty: string[]): string {
  const partsOf = (w: World) =>
    dirty.map((key) => {
      const service = w.services.find((s) => serviceKeyOf(s) === key);
      const slices = w.slices.filter((s) => serviceKeyOfSlice(s) === key);
      return serviceRuleset(service ? portsOfService(service, slices, NODE) : [], config);
    });
  return diffScript('t', joinRulesets(partsOf(before)), joinRulesets(partsOf(after)));
}

const cases: { name: string; after: World; dirty: string[] }[] = [
  { name: 'an endpoint leaves a slice', after: withSlice(world, 'web-abc', slice('web', ['10.42.0.5'])), dirty: ['ns/web'] },
  { name: 'an endpoint joins a Service with two slices and a node port', after: withSlice(world, 'web-a-2', slice('web-a', ['10.42.0.8', '10.42.0.20'], 'web-a-2')), dirty: ['ns/web-a'] },
  { name: 'the last endpoint of a UDP Service leaves', after: withSlice(world, 'dns-abc', undefined), dirty: ['ns/dns'] },
  { name: 'a Service without endpoints gains one', after: withSlice(world, 'empty-abc', slice('empty', ['10.42.0.30'])), dirty: ['ns/empty'] },
  { name: 'session affinity changes its timeout', after: withService(world, 'sticky', svc('sticky', '10.43.0.12', { sessionAffinity: 'ClientIP' })), dirty: ['ns/sticky'] },
  { name: 'a Service is deleted (its slice stays)', after: withService(world, 'web-a', undefined), dirty: ['ns/web-a'] },
  { name: 'a Service is created', after: withService(world, 'new', svc('new', '10.43.0.40', { type: 'NodePort', ports: [{ port: 81, protocol: 'TCP', nodePort: 30081 }] })), dirty: ['ns/new'] },
  { name: 'a headless Service becomes a ClusterIP one', after: withService(world, 'headless', svc('headless', '10.43.0.41')), dirty: ['ns/headless'] },
  { name: 'nothing changed for the dirty Service (a resync): an empty script', after: world, dirty: ['ns/web'] },
  { name: 'a slice moves from one Service to another: both are dirty', after: withSlice(world, 'web-abc', { ...slice('empty', ['10.42.0.5', '10.42.0.6']), metadata: { namespace: 'ns', name: 'web-abc', labels: { 'kubernetes.io/service-name': 'empty' } } }), dirty: ['ns/web', 'ns/empty'] },
];

for (const c of cases) {
  test(`only the dirty Services recomputed: same script as a full recomputation — ${c.name}`, () => {
    const full = fullDiff(world, c.after);
    const incremental = dirtyDiff(world, c.after, c.dirty);
    if (c.dirty.length === 1) assert.equal(incremental, full);
    // Several dirty Services: the same lines; their order differs only within a phase (adds, flushes, deletes).
    else assert.deepEqual(incremental.split('\n').sort(), full.split('\n').sort());
    if (c.after !== world) assert.notEqual(full, '');
  });
}

test('every Service part joined with the node elements is the whole desired ruleset', () => {
  const parts = world.services.map((s) => serviceRuleset(portsOfService(s, world.slices.filter((x) => serviceKeyOfSlice(x) === serviceKeyOf(s)), NODE), config));
  assert.deepEqual(joinRulesets(parts, config), desiredRuleset(proxiedServicePorts(world.services, world.slices, NODE), config));
});
