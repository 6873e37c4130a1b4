import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './network.ts';

const NOW = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'web', creationTimestamp: '2024-04-29T09:00:00Z' };

describe('service table', () => {
  test('ClusterIP service', () => {
    const svc = { metadata: meta, spec: { type: 'ClusterIP', clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { app: 'web' } } };
    assert.deepEqual(servicePrinter.cells(svc, NOW), ['web', 'ClusterIP', '10.43.0.10', '<none>', '80/TCP,53/UDP', '2d3h', 'app=web']);
    assert.deepEqual(servicePrinter.columns.map((c) => c.name), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
  });

  test('NodePort, LoadBalancer, ExternalName, headless', () => {
    const np = { metadata: meta, spec: { type: 'NodePort', clusterIPs: ['10.43.0.11'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] } };
    assert.deepEqual(servicePrinter.cells(np, NOW).slice(2, 5), ['10.43.0.11', '<none>', '80:30080/TCP']);
    const lb = { metadata: meta, spec: { type: 'LoadBalancer', clusterIPs: ['10.43.0.12'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] } };
    assert.equal(servicePrinter.cells(lb, NOW)[3], '<pending>');
    const lbReady = { ...lb, spec: { ...lb.spec, externalIPs: ['1.2.3.4'] }, status: { loadBalancer: { ingress: [{ ip: '5.6.7.8' }, { hostname: 'lb.example.com' }] } } };
    assert.equal(servicePrinter.cells(lbReady, NOW)[3], '5.6.7.8,lb.example.com,1.2.3.4');
    const ext = { metadata: meta, spec: { type: 'ExternalName', externalName: 'db.example.com' } };
    assert.deepEqual(servicePrinter.cells(ext, NOW).slice(1, 5), ['ExternalName', '<none>', 'db.example.com', '<none>']);
    const headless = { metadata: meta, spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80, protocol: 'TCP' }] } };
    assert.equal(servicePrinter.cells(headless, NOW)[2], 'None');
  });
});

describe('endpoints table', () => {
  test('ip:port pairs, three at most', () => {
    const ep = (addresses: string[], ports: number[]) => ({ metadata: meta, subsets: [{ addresses: addresses.map((ip) => ({ ip })), ports: ports.map((port) => ({ port })) }] });
    assert.equal(endpointsPrinter.cells(ep(['10.42.0.5', '10.42.0.6'], [8080]), NOW)[1], '10.42.0.5:8080,10.42.0.6:8080');
    assert.equal(endpointsPrinter.cells(ep(['10.42.0.5', '10.42.0.6', '10.42.0.7'], [80, 443]), NOW)[1], '10.42.0.5:80,10.42.0.6:80,10.42.0.7:80 + 3 more...');
    assert.equal(endpointsPrinter.cells(ep(['fd00::5'], [80]), NOW)[1], '[fd00::5]:80');
    assert.equal(endpointsPrinter.cells(ep(['10.42.0.5'], []), NOW)[1], '10.42.0.5');
    assert.equal(endpointsPrinter.cells({ metadata: meta }, NOW)[1], '<none>');
  });
});

describe('endpoint slice table', () => {
  test('address type, ports and addresses', () => {
    const slice = {
      metadata: meta,
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80 }, { name: 'named' }],
      endpoints: [{ addresses: ['10.42.0.5'] }, { addresses: ['10.42.0.6'] }, { addresses: ['10.42.0.7'] }, { addresses: ['10.42.0.8'] }],
    };
    assert.deepEqual(endpointSlicePrinter.cells(slice, NOW), ['web', 'IPv4', '80,named', '10.42.0.5,10.42.0.6,10.42.0.7 + 1 more...', '2d3h']);
    assert.deepEqual(endpointSlicePrinter.cells({ metadata: meta, addressType: 'IPv4' }, NOW).slice(2, 4), ['<unset>', '<unset>']);
  });
});
