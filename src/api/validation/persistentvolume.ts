/**
 * PersistentVolumes: access modes, a storage capacity, one volume source, reclaim policy and
 * volume mode; local volumes must say which node they live on.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { list, oneOf } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { validateResourceList } from './resources.ts';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'quobyte', 'cinder', 'cephfs', 'fc',
  'flocker', 'flexVolume', 'azureFile', 'vsphereVolume', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO',
  'local', 'storageos', 'csi', 'iscsi',
];

/** `whenEmpty` is the detail of the Required error for no modes at all (it differs by kind). */
export function validateAccessModes(modes: unknown, path: string, whenEmpty = ''): FieldError[] {
  const modeList: string[] = list(modes);
  if (modeList.length === 0) return [fieldError.required(path, whenEmpty)];
  const errs = modeList.filter((m) => !ACCESS_MODES.includes(m)).map((m) => fieldError.notSupported(path, m, ACCESS_MODES));
  if (modeList.includes('ReadWriteOncePod') && modeList.length > 1) errs.push(fieldError.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validatePVSpec(spec: any): FieldError[] {
  const s = spec ?? {};
  const errs = validateAccessModes(s.accessModes, 'spec.accessModes');
  const capacity: Record<string, unknown> = s.capacity ?? {};
  if (Object.keys(capacity).length === 0) errs.push(fieldError.required('spec.capacity', ''));
  else if (!Object.hasOwn(capacity, 'storage') || Object.keys(capacity).length > 1) errs.push(fieldError.notSupported('spec.capacity', capacity, ['storage']));
  errs.push(...validateResourceList(capacity, 'spec.capacity'));
  errs.push(...oneOf(s.persistentVolumeReclaimPolicy, ['Delete', 'Recycle', 'Retain'], 'spec.persistentVolumeReclaimPolicy'));
  errs.push(...oneOf(s.volumeMode, VOLUME_MODES, 'spec.volumeMode'));
  const sources = PV_SOURCES.filter((k) => s[k]);
  if (sources.length === 0) errs.push(fieldError.required('spec', 'must specify a volume type'));
  for (const k of sources.slice(1)) errs.push(fieldError.forbidden(`spec.${k}`, 'may not specify more than 1 volume type'));
  if (s.hostPath && !s.hostPath.path) errs.push(fieldError.required('spec.hostPath.path', ''));
  if (s.nfs) {
    if (!s.nfs.server) errs.push(fieldError.required('spec.nfs.server', ''));
    if (!s.nfs.path) errs.push(fieldError.required('spec.nfs.path', ''));
  }
  if (s.local) {
    if (!s.local.path) errs.push(fieldError.required('spec.local.path', ''));
    if (!s.nodeAffinity) errs.push(fieldError.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (s.csi) {
    if (!s.csi.driver) errs.push(fieldError.required('spec.csi.driver', ''));
    if (!s.csi.volumeHandle) errs.push(fieldError.required('spec.csi.volumeHandle', ''));
  }
  return errs;
}

export function validatePersistentVolume(pv: any): FieldError[] {
  return [...validateObjectMeta(pv.metadata, { namespaced: false, name: nameIsDNSSubdomain }), ...validatePVSpec(pv.spec)];
}

export function validatePersistentVolumeUpdate(pv: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(pv.metadata, old.metadata), ...validatePVSpec(pv.spec)];
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (old.spec?.volumeMode ?? 'Filesystem')) {
    errs.push(fieldError.invalid('spec.volumeMode', pv.spec?.volumeMode ?? null, 'field is immutable'));
  }
  return errs;
}
