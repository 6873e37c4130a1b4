import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../field-error.ts';
import { R } from './fixtures.test-support.ts';
import { validateCreate, validateUpdate } from './index.ts';

const node = (spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}) => ({
  metadata: { name: 'worker-1.example.com', labels: { 'kubernetes.io/hostname': 'worker-1' } },
  spec,
  status,
});
const errorsOf = (o: any) => validateCreate(R.node, o).map((e) => formatFieldError(e));

test('a registered Node is valid', () => {
  assert.deepEqual(errorsOf(node({ podCIDR: '10.42.0.0/24', podCIDRs: ['10.42.0.0/24'] }, { capacity: { cpu: '2', memory: '4028Mi', pods: '110' } })), []);
});

test('taints: key, value, effect, and unique by key and effect', () => {
  const taints = [
    { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    { key: 'dedicated', value: 'other', effect: 'NoSchedule' },
    { key: 'k', effect: 'Never' },
    { key: 'k' },
  ];
  assert.deepEqual(errorsOf(node({ taints })), [
    'metadata.taints[1]: Duplicate value: {"key":"dedicated","value":"other","effect":"NoSchedule"}: taints must be unique by key and effect pair',
    'metadata.taints[2].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    'metadata.taints[3].effect: Required value',
  ]);
});

test('pod CIDRs are set once', () => {
  const old = node({ podCIDRs: ['10.42.0.0/24'] });
  assert.deepEqual(validateUpdate(R.node, node({ podCIDRs: ['10.42.1.0/24'] }), old).map((e) => formatFieldError(e)), [
    'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
  ]);
  assert.deepEqual(validateUpdate(R.node, node({ podCIDRs: ['10.42.0.0/24'] }), node()), []);
  assert.deepEqual(errorsOf(node({ podCIDRs: ['10.42.0.0/24', '10.43.0.0/24'] })), [
    'spec.podCIDRs: Invalid value: []string{"10.42.0.0/24", "10.43.0.0/24"}: may specify no more than one CIDR for each IP family',
  ]);
});
