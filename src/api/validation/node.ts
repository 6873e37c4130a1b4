/**
 * Nodes: subdomain names, taints (unique by key and effect), pod CIDRs (one per family,
 * fixed once assigned), providerID (fixed once set), and well-formed status quantities.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { list } from './fields.ts';
import { nameIsDNSSubdomain, validateLabelName, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isCIDR, isValidLabelValue } from './names.ts';
import { validateResourceList } from './resources.ts';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const POD_CIDR_CHANGE = 'node updates may not change podCIDR except from "" to valid';

/** Upstream reports taint errors under `metadata.taints`, so we do too. */
function validateTaints(taints: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(taints).forEach((t: any, i: number) => {
    const p = `metadata.taints[${i}]`;
    errs.push(...validateLabelName(t?.key ?? '', `${p}.key`));
    const msgs = isValidLabelValue(t?.value ?? '');
    if (msgs.length) errs.push(fieldError.invalid(`${p}.value`, t?.value, msgs.join(';')));
    if (!t?.effect) errs.push(fieldError.required(`${p}.effect`, ''));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(fieldError.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    const key = `${t?.key}\u0000${t?.effect}`;
    if (seen.has(key)) errs.push({ ...fieldError.duplicate(p, t), detail: 'taints must be unique by key and effect pair' });
    seen.add(key);
  });
  return errs;
}

function validatePodCIDRs(cidrs: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const cidrList: string[] = list(cidrs);
  cidrList.forEach((c, i) => {
    if (!isCIDR(c)) errs.push(fieldError.invalid(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  if (cidrList.length > 1 && (cidrList.length > 2 || cidrList[0].includes(':') === cidrList[1].includes(':'))) {
    errs.push(fieldError.invalid('spec.podCIDRs', cidrList, 'may specify no more than one CIDR for each IP family'));
  }
  return errs;
}

function validateNodeCommon(node: any): FieldError[] {
  return [
    ...validateTaints(node.spec?.taints),
    ...validateResourceList(node.status?.capacity, 'status.capacity'),
    ...validateResourceList(node.status?.allocatable, 'status.allocatable'),
  ];
}

export function validateNode(node: any): FieldError[] {
  return [...validateObjectMeta(node.metadata, { namespaced: false, name: nameIsDNSSubdomain }), ...validateNodeCommon(node), ...validatePodCIDRs(node.spec?.podCIDRs)];
}

export function validateNodeUpdate(node: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(node.metadata, old.metadata);
  const seen = new Set<string>();
  list(node.status?.addresses).forEach((a: any, i: number) => {
    const key = `${a?.type}/${a?.address}`;
    if (seen.has(key)) errs.push(fieldError.duplicate(`status.addresses[${i}]`, a));
    seen.add(key);
  });
  const oldCIDRs: string[] = list(old.spec?.podCIDRs);
  const cidrs: string[] = list(node.spec?.podCIDRs);
  if (oldCIDRs.length > 0 && (oldCIDRs.length !== cidrs.length || oldCIDRs.some((c, i) => c !== cidrs[i]))) {
    errs.push(fieldError.forbidden('spec.podCIDRs', POD_CIDR_CHANGE));
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    errs.push(fieldError.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  if ((node.spec?.externalID ?? '') !== (old.spec?.externalID ?? '')) errs.push(fieldError.forbidden('spec.externalID', 'may not be updated'));
  errs.push(...validateNodeCommon(node), ...validatePodCIDRs(cidrs));
  return errs;
}
