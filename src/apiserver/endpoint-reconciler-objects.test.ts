import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointSliceMatches, endpointsMatch, kubernetesEndpointSlice, kubernetesEndpoints } from './endpoint-reconciler-objects.ts';

test('the Endpoints list every address on the one port', () => {
  assert.deepEqual(kubernetesEndpoints(['10.0.0.1', '10.0.0.2'], 6443), {
    metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
  });
});

test('the EndpointSlice lists every address as a ready endpoint, with the family of the addresses', () => {
  const slice = kubernetesEndpointSlice(['10.0.0.1', '10.0.0.2'], 6443);
  assert.equal(slice.addressType, 'IPv4');
  assert.deepEqual(slice.endpoints, [
    { addresses: ['10.0.0.1'], conditions: { ready: true } },
    { addresses: ['10.0.0.2'], conditions: { ready: true } },
  ]);
  assert.deepEqual(slice.ports, [{ name: 'https', port: 6443, protocol: 'TCP' }]);
  assert.equal(slice.metadata.labels['kubernetes.io/service-name'], 'kubernetes');
  assert.equal(kubernetesEndpointSlice(['fd00::1'], 6443).addressType, 'IPv6');
});

const stored = (addresses: string[], port: number) => ({ ...kubernetesEndpoints(addresses, port), metadata: { ...kubernetesEndpoints(addresses, port).metadata, resourceVersion: '7', uid: 'u' } });
const storedSlice = (addresses: string[], port: number) => ({ ...kubernetesEndpointSlice(addresses, port), metadata: { ...kubernetesEndpointSlice(addresses, port).metadata, resourceVersion: '7' } });

const endpointsCases: { name: string; existing: Record<string, any>; match: boolean }[] = [
  { name: 'the same addresses and port', existing: stored(['10.0.0.1', '10.0.0.2'], 6443), match: true },
  { name: 'an address missing', existing: stored(['10.0.0.1'], 6443), match: false },
  { name: 'an address too many', existing: stored(['10.0.0.1', '10.0.0.2', '10.0.0.3'], 6443), match: false },
  { name: 'another port', existing: stored(['10.0.0.1', '10.0.0.2'], 443), match: false },
  { name: 'protocol left to its default', existing: { ...stored(['10.0.0.1', '10.0.0.2'], 6443), subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'https', port: 6443 }] }] }, match: true },
  { name: 'no subsets', existing: { metadata: stored([], 6443).metadata }, match: false },
  { name: 'an address not ready', existing: { ...stored(['10.0.0.1', '10.0.0.2'], 6443), subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], notReadyAddresses: [{ ip: '10.0.0.3' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] }, match: false },
  { name: 'the skip-mirror label lost', existing: { ...stored(['10.0.0.1', '10.0.0.2'], 6443), metadata: { name: 'kubernetes' } }, match: false },
];

for (const c of endpointsCases) {
  test(`Endpoints already right for 10.0.0.1, 10.0.0.2 on 6443? ${c.name}: ${c.match}`, () => {
    assert.equal(endpointsMatch(c.existing, ['10.0.0.1', '10.0.0.2'], 6443), c.match);
  });
}

const sliceCases: { name: string; existing: Record<string, any>; match: boolean }[] = [
  { name: 'the same addresses and port', existing: storedSlice(['10.0.0.1', '10.0.0.2'], 6443), match: true },
  { name: 'an address missing', existing: storedSlice(['10.0.0.2'], 6443), match: false },
  { name: 'another port', existing: storedSlice(['10.0.0.1', '10.0.0.2'], 443), match: false },
  { name: 'an endpoint not ready', existing: { ...storedSlice(['10.0.0.1', '10.0.0.2'], 6443), endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }, { addresses: ['10.0.0.2'], conditions: { ready: false } }] }, match: false },
  { name: 'no endpoints at all', existing: { ...storedSlice(['10.0.0.1'], 6443), endpoints: undefined }, match: false },
  { name: 'labels lost', existing: { ...storedSlice(['10.0.0.1', '10.0.0.2'], 6443), metadata: { name: 'kubernetes' } }, match: false },
];

for (const c of sliceCases) {
  test(`EndpointSlice already right for 10.0.0.1, 10.0.0.2 on 6443? ${c.name}: ${c.match}`, () => {
    assert.equal(endpointSliceMatches(c.existing, ['10.0.0.1', '10.0.0.2'], 6443), c.match);
  });
}
