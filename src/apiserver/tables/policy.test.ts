import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podDisruptionBudgetPrinter, resourceQuotaPrinter } from './policy.ts';

const NOW = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'q', creationTimestamp: '2024-05-01T11:00:00Z' };

test('resource quota: requests and limits used/hard, sorted by resource', () => {
  assert.deepEqual(resourceQuotaPrinter.columns.map((c) => c.name), ['Name', 'Age', 'Request', 'Limit']);
  const quota = {
    metadata: meta,
    status: {
      hard: { pods: '10', 'requests.cpu': '2', 'limits.memory': '4Gi', 'limits.cpu': '4' },
      used: { pods: '3', 'requests.cpu': '500m', 'limits.cpu': '1' },
    },
  };
  assert.deepEqual(resourceQuotaPrinter.cells(quota, NOW), ['q', '60m', 'pods: 3/10, requests.cpu: 500m/2', 'limits.cpu: 1/4, limits.memory: 0/4Gi']);
  assert.deepEqual(resourceQuotaPrinter.cells({ metadata: meta, spec: { hard: { pods: '1' } } }, NOW), ['q', '60m', '', '']);
});

test('pod disruption budget: N/A for the bound not set', () => {
  const pdb = { metadata: meta, spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } };
  assert.deepEqual(podDisruptionBudgetPrinter.cells(pdb, NOW), ['q', '50%', 'N/A', 1, '60m']);
  assert.deepEqual(podDisruptionBudgetPrinter.cells({ metadata: meta, spec: { maxUnavailable: 1 } }, NOW), ['q', 'N/A', '1', 0, '60m']);
});
