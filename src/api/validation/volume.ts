/**
 * Pod volumes: unique DNS-label names, exactly one source each, and the required fields of
 * the common sources (hostPath, emptyDir, secret, configMap, persistentVolumeClaim, nfs,
 * downwardAPI, projected, csi, ephemeral).
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { list, oneOf } from './fields.ts';
import { isDNS1123Label, NOT_A_STRING } from './names.ts';
import { parseQuantity } from './quantity.ts';

/** Every VolumeSource member of core/v1, in the order upstream checks them. */
export const VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'flocker', 'persistentVolumeClaim', 'rbd', 'quobyte', 'cinder', 'cephfs', 'downwardAPI', 'fc', 'flexVolume', 'configMap',
  'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO',
  'csi', 'ephemeral', 'image',
];

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';

function validateFileMode(mode: unknown, path: string): FieldError[] {
  if (mode === undefined || mode === null) return [];
  return typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode <= 0o777 ? [] : [fieldError.invalid(path, mode, FILE_MODE_ERROR)];
}

function hasBackstep(p: string): boolean {
  return p.split(/[\\/]/).includes('..');
}

/** A path below some directory: relative, with no '..' segment (subPath, projected item paths). */
export function validateLocalDescendingPath(p: unknown, path: string): FieldError[] {
  if (typeof p !== 'string') return [fieldError.invalid(path, p, NOT_A_STRING)];
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(fieldError.invalid(path, p, 'must be a relative path'));
  if (hasBackstep(p)) errs.push(fieldError.invalid(path, p, "must not contain '..'"));
  return errs;
}

/** A projected file name, which also may not start with '..' (the kubelet's own files do). */
function validateLocalPath(p: unknown, path: string): FieldError[] {
  const errs = validateLocalDescendingPath(p, path);
  if (typeof p === 'string' && p.startsWith('..') && !p.startsWith('../')) errs.push(fieldError.invalid(path, p, "must not start with '..'"));
  return errs;
}

function validateKeyToPaths(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(items)) return errs;
  items.forEach((kp: any, i: number) => {
    const p = `${path}[${i}]`;
    if (!kp?.key) errs.push(fieldError.required(`${p}.key`, ''));
    if (!kp?.path) errs.push(fieldError.required(`${p}.path`, ''));
    else errs.push(...validateLocalPath(kp.path, `${p}.path`));
    errs.push(...validateFileMode(kp?.mode, `${p}.mode`));
  });
  return errs;
}

function validateDownwardAPIItems(items: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(items)) return errs;
  items.forEach((it: any, i: number) => {
    const p = `${path}[${i}]`;
    if (!it?.path) errs.push(fieldError.required(`${p}.path`, ''));
    else errs.push(...validateLocalPath(it.path, `${p}.path`));
    errs.push(...validateFileMode(it?.mode, `${p}.mode`));
    if (it?.fieldRef && it?.resourceFieldRef) errs.push(fieldError.invalid(p, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    else if (!it?.fieldRef && !it?.resourceFieldRef) errs.push(fieldError.required(p, 'one of fieldRef and resourceFieldRef is required'));
  });
  return errs;
}

function validateProjection(src: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  list(src?.sources).forEach((s: any, i: number) => {
    const p = `${path}.sources[${i}]`;
    const kinds = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'].filter((k) => s?.[k]);
    if (kinds.length === 0) errs.push(fieldError.required(p, 'must specify exactly 1 of: secret, configMap, downwardAPI, serviceAccountToken, clusterTrustBundle'));
    for (const k of kinds.slice(1)) errs.push(fieldError.forbidden(`${p}.${k}`, 'may not specify more than 1 volume type per source'));
    if (s?.secret) errs.push(...validateKeyToPaths(s.secret.items, `${p}.secret.items`));
    if (s?.configMap) errs.push(...validateKeyToPaths(s.configMap.items, `${p}.configMap.items`));
    if (s?.downwardAPI) errs.push(...validateDownwardAPIItems(s.downwardAPI.items, `${p}.downwardAPI.items`));
    if (s?.serviceAccountToken) {
      const t = s.serviceAccountToken;
      const tp = `${p}.serviceAccountToken`;
      if (typeof t.expirationSeconds === 'number') {
        if (t.expirationSeconds < 600) errs.push(fieldError.invalid(`${tp}.expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes'));
        else if (t.expirationSeconds > 2 ** 32) errs.push(fieldError.invalid(`${tp}.expirationSeconds`, t.expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
      }
      if (!t.path) errs.push(fieldError.required(`${tp}.path`, ''));
    }
  });
  errs.push(...validateFileMode(src?.defaultMode, `${path}.defaultMode`));
  return errs;
}

function validateSource(v: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const present = VOLUME_SOURCES.filter((k) => v[k] !== undefined && v[k] !== null);
  if (present.length === 0) return [fieldError.required(path, 'must specify a volume type')];
  for (const k of present.slice(1)) errs.push(fieldError.forbidden(`${path}.${k}`, 'may not specify more than 1 volume type'));
  const k = present[0];
  const s = v[k];
  const p = `${path}.${k}`;
  switch (k) {
    case 'hostPath':
      if (!s.path) errs.push(fieldError.required(`${p}.path`, ''));
      else if (typeof s.path !== 'string') errs.push(fieldError.invalid(`${p}.path`, s.path, NOT_A_STRING));
      else if (hasBackstep(s.path)) errs.push(fieldError.invalid(`${p}.path`, s.path, "must not contain '..'"));
      if (s.type !== undefined && s.type !== null && !HOST_PATH_TYPES.includes(s.type)) errs.push(fieldError.notSupported(`${p}.type`, s.type, HOST_PATH_TYPES));
      break;
    case 'emptyDir':
      errs.push(...oneOf(s.medium, ['', 'Memory', 'HugePages'], `${p}.medium`));
      if (s.sizeLimit !== undefined && !((parseQuantity(s.sizeLimit) ?? -1) >= 0)) {
        errs.push(fieldError.forbidden(`${p}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    case 'secret':
      if (!s.secretName) errs.push(fieldError.required(`${p}.secretName`, ''));
      errs.push(...validateFileMode(s.defaultMode, `${p}.defaultMode`));
      errs.push(...validateKeyToPaths(s.items, `${p}.items`));
      break;
    case 'configMap':
      if (!s.name) errs.push(fieldError.required(`${p}.name`, ''));
      errs.push(...validateFileMode(s.defaultMode, `${p}.defaultMode`));
      errs.push(...validateKeyToPaths(s.items, `${p}.items`));
      break;
    case 'persistentVolumeClaim':
      if (!s.claimName) errs.push(fieldError.required(`${p}.claimName`, ''));
      break;
    case 'nfs':
      if (!s.server) errs.push(fieldError.required(`${p}.server`, ''));
      if (!s.path) errs.push(fieldError.required(`${p}.path`, ''));
      else if (typeof s.path !== 'string' || !s.path.startsWith('/')) errs.push(fieldError.invalid(`${p}.path`, s.path, 'must be an absolute path'));
      break;
    case 'downwardAPI':
      errs.push(...validateFileMode(s.defaultMode, `${p}.defaultMode`));
      errs.push(...validateDownwardAPIItems(s.items, `${p}.items`));
      break;
    case 'projected':
      errs.push(...validateProjection(s, p));
      break;
    case 'csi':
      if (!s.driver) errs.push(fieldError.required(`${p}.driver`, ''));
      break;
    case 'ephemeral':
      if (!s.volumeClaimTemplate) errs.push(fieldError.required(`${p}.volumeClaimTemplate`, ''));
      break;
    case 'image':
      if (!s.reference) errs.push(fieldError.required(`${p}.reference`, ''));
      break;
  }
  return errs;
}

/** Validates `spec.volumes`; returns the errors and the set of declared volume names. */
export function validateVolumes(volumes: unknown, path: string): { errors: FieldError[]; names: Set<string> } {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  if (!Array.isArray(volumes)) return { errors, names };
  volumes.forEach((v: any, i: number) => {
    const p = `${path}[${i}]`;
    const name = v?.name;
    if (!name) {
      errors.push(fieldError.required(`${p}.name`, ''));
    } else {
      const msgs = isDNS1123Label(name);
      for (const m of msgs) errors.push(fieldError.invalid(`${p}.name`, name, m));
      if (names.has(name)) errors.push(fieldError.duplicate(`${p}.name`, name));
      else if (msgs.length === 0) names.add(name);
    }
    errors.push(...validateSource(v ?? {}, p));
  });
  return { errors, names };
}
