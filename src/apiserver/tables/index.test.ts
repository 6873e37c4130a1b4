import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { catalogue, findResource } from '../../api/catalogue.ts';
import { printerFor, toTable } from './index.ts';

const NOW = new Date('2024-05-01T12:00:00Z');
const pods = findResource('', 'v1', 'pods')!;
const pod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', resourceVersion: '12', creationTimestamp: '2024-05-01T11:59:00Z' },
  spec: { containers: [{ name: 'app' }] },
  status: { phase: 'Pending' },
};

describe('toTable', () => {
  test('the meta.k8s.io/v1 Table wire form, rows with partial object metadata by default', () => {
    const table = toTable(pods, [pod], { listMeta: { resourceVersion: '15', continue: 'abc' }, now: NOW }) as any;
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '15', continue: 'abc' });
    assert.deepEqual(table.columnDefinitions[0], { name: 'Name', type: 'string', format: 'name', description: table.columnDefinitions[0].description, priority: 0 });
    assert.ok(table.columnDefinitions.every((c: any) => typeof c.description === 'string' && c.description.length > 0));
    assert.equal(table.rows.length, 1);
    assert.deepEqual(table.rows[0].cells.slice(0, 5), ['p', '0/1', 'Pending', '0', '60s']);
    assert.deepEqual(table.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
    assert.equal('conditions' in table.rows[0], false);
  });

  test('includeObject=Object carries the whole object, None none', () => {
    assert.deepEqual((toTable(pods, [pod], { includeObject: 'Object', now: NOW }) as any).rows[0].object, pod);
    assert.equal('object' in (toTable(pods, [pod], { includeObject: 'None', now: NOW }) as any).rows[0], false);
  });

  test('an empty list still has its columns', () => {
    const table = toTable(findResource('apps', 'v1', 'deployments')!, [], { now: NOW }) as any;
    assert.deepEqual(table.rows, []);
    assert.deepEqual(table.metadata, {});
    assert.deepEqual(table.columnDefinitions.map((c: any) => c.name), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
  });

  test('kinds without a printer get the default Name / Created At table', () => {
    const table = toTable(findResource('', 'v1', 'limitranges')!, [{ metadata: { name: 'limits', creationTimestamp: '2024-05-01T10:00:00Z' } }], { now: NOW }) as any;
    assert.deepEqual(table.columnDefinitions.map((c: any) => [c.name, c.type]), [['Name', 'string'], ['Created At', 'date']]);
    assert.deepEqual(table.rows[0].cells, ['limits', '2024-05-01T10:00:00Z']);
  });

  test('every printer yields one cell per column for a bare object', () => {
    for (const r of catalogue) {
      const printer = printerFor(r);
      assert.equal(printer.cells({ metadata: { name: 'x' } }, NOW).length, printer.columns.length, r.plural);
    }
  });
});
