/** Tables of PersistentVolumes and PersistentVolumeClaims. */
import { AGE, NAME } from './columns.ts';
import { accessModes, age, quantity } from './format.ts';
import { column, type TablePrinter } from './types.ts';

/** The beta annotation still wins over spec.storageClassName, as upstream reads it. */
function storageClass(obj: any): string {
  return obj?.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? obj?.spec?.storageClassName ?? '';
}

const unset = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : '<unset>');

function phase(obj: any): string {
  return obj?.metadata?.deletionTimestamp ? 'Terminating' : obj?.status?.phase ?? '';
}

export const persistentVolumePrinter: TablePrinter = {
  columns: [
    NAME,
    column('Capacity', 'string', 'The storage size of the volume.'),
    column('Access Modes', 'string', 'How the volume can be mounted.'),
    column('Reclaim Policy', 'string', 'What happens to the volume when its claim is released.'),
    column('Status', 'string', 'The phase of the volume.'),
    column('Claim', 'string', 'The claim bound to the volume.'),
    column('StorageClass', 'string', 'The storage class of the volume.'),
    column('VolumeAttributesClass', 'string', 'The volume attributes class of the volume.'),
    column('Reason', 'string', 'Why the volume is in its phase.'),
    AGE,
    column('VolumeMode', 'string', 'Filesystem or Block.', { priority: 1 }),
  ],
  cells(pv, now) {
    const ref = pv?.spec?.claimRef;
    return [
      pv?.metadata?.name ?? '',
      quantity(pv?.spec?.capacity?.storage),
      accessModes(pv?.spec?.accessModes),
      pv?.spec?.persistentVolumeReclaimPolicy ?? '',
      phase(pv),
      ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
      storageClass(pv),
      unset(pv?.spec?.volumeAttributesClassName),
      pv?.status?.reason ?? '',
      age(pv, now),
      unset(pv?.spec?.volumeMode),
    ];
  },
};

export const persistentVolumeClaimPrinter: TablePrinter = {
  columns: [
    NAME,
    column('Status', 'string', 'The phase of the claim.'),
    column('Volume', 'string', 'The volume bound to the claim.'),
    column('Capacity', 'string', 'The storage size of the bound volume.'),
    column('Access Modes', 'string', 'How the bound volume can be mounted.'),
    column('StorageClass', 'string', 'The storage class of the claim.'),
    column('VolumeAttributesClass', 'string', 'The volume attributes class of the claim.'),
    AGE,
    column('VolumeMode', 'string', 'Filesystem or Block.', { priority: 1 }),
  ],
  cells(pvc, now) {
    // Capacity and access modes describe the bound volume, so they stay empty until binding.
    const bound = Boolean(pvc?.spec?.volumeName);
    return [
      pvc?.metadata?.name ?? '',
      phase(pvc),
      pvc?.spec?.volumeName ?? '',
      bound ? quantity(pvc?.status?.capacity?.storage) : '',
      bound ? accessModes(pvc?.status?.accessModes) : '',
      storageClass(pvc),
      unset(pvc?.spec?.volumeAttributesClassName),
      age(pvc, now),
      unset(pvc?.spec?.volumeMode),
    ];
  },
};
