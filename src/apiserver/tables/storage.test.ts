import { test } from 'node:test';
import assert from 'node:assert/strict';
import { persistentVolumeClaimPrinter, persistentVolumePrinter } from './storage.ts';

const NOW = new Date('2024-05-01T12:00:00Z');
const meta = { name: 'data', creationTimestamp: '2024-05-01T11:00:00Z' };

test('persistent volume: capacity, modes, policy, phase, claim, class', () => {
  const pv = {
    metadata: meta,
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'db', name: 'data-0' }, storageClassName: 'local' },
    status: { phase: 'Bound' },
  };
  assert.deepEqual(persistentVolumePrinter.cells(pv, NOW), ['data', '10Gi', 'RWO', 'Retain', 'Bound', 'db/data-0', 'local', '<unset>', '', '60m', '<unset>']);
  const deleting = { ...pv, metadata: { ...meta, deletionTimestamp: '2024-05-01T11:59:00Z' } };
  assert.equal(persistentVolumePrinter.cells(deleting, NOW)[4], 'Terminating');
});

test('claims show capacity and modes only once bound; the beta class annotation wins', () => {
  const pending = { metadata: meta, spec: { resources: { requests: { storage: '1Gi' } }, storageClassName: 'local' }, status: { phase: 'Pending' } };
  assert.deepEqual(persistentVolumeClaimPrinter.cells(pending, NOW), ['data', 'Pending', '', '', '', 'local', '<unset>', '60m', '<unset>']);
  const bound = {
    metadata: { ...meta, annotations: { 'volume.beta.kubernetes.io/storage-class': 'old' } },
    spec: { volumeName: 'pv-1', volumeMode: 'Filesystem', storageClassName: 'local' },
    status: { phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] },
  };
  assert.deepEqual(persistentVolumeClaimPrinter.cells(bound, NOW), ['data', 'Bound', 'pv-1', '2Gi', 'RWO,ROX', 'old', '<unset>', '60m', 'Filesystem']);
});
