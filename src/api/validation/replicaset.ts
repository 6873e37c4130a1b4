/**
 * ReplicationController (core/v1, map selector, defaulted from the template) and ReplicaSet
 * (apps/v1, label selector, immutable): replicas, selector, and an always-restarting template.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { immutable, nonNegative } from './fields.ts';
import { nameIsDNSSubdomain, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { validatePodTemplateSpec } from './pod.ts';
import { selectorMatches } from './selector.ts';
import { SELECTOR_MISMATCH, validateAlwaysRestart, validateReplicaStatus, validateSelectorForTemplate } from './workload.ts';

function validateReplicationControllerSpec(spec: any): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  const selector: Record<string, string> = s.selector ?? {};
  if (Object.keys(selector).length === 0) errs.push(fieldError.required('spec.selector', ''));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  errs.push(...nonNegative(s.replicas, 'spec.replicas'));
  if (!s.template) {
    errs.push(fieldError.required('spec.template', ''));
    return errs;
  }
  const labels = s.template.metadata?.labels;
  if (Object.keys(selector).length && !selectorMatches({ matchLabels: selector }, labels)) {
    errs.push(fieldError.invalid('spec.template.metadata.labels', labels ?? null, SELECTOR_MISMATCH));
  }
  errs.push(...validatePodTemplateSpec(s.template, 'spec.template'));
  errs.push(...validateAlwaysRestart(s.template, 'ReplicationController'));
  return errs;
}

export function validateReplicationController(rc: any): FieldError[] {
  return [...validateObjectMeta(rc.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateReplicationControllerSpec(rc.spec)];
}

export function validateReplicationControllerUpdate(rc: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(rc.metadata, old.metadata), ...validateReplicationControllerSpec(rc.spec)];
}

const RC_STATUS = ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'];

export function validateReplicationControllerStatusUpdate(rc: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(rc.metadata, old.metadata), ...validateReplicaStatus(rc.status, RC_STATUS)];
}

function validateReplicaSetSpec(spec: any): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  errs.push(...nonNegative(s.replicas, 'spec.replicas'));
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  // Upstream's message really says "deployment" for ReplicaSets too.
  errs.push(...validateSelectorForTemplate(s, 'deployment'));
  errs.push(...validatePodTemplateSpec(s.template, 'spec.template'));
  errs.push(...validateAlwaysRestart(s.template, 'ReplicaSet'));
  return errs;
}

export function validateReplicaSet(rs: any): FieldError[] {
  return [...validateObjectMeta(rs.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateReplicaSetSpec(rs.spec)];
}

export function validateReplicaSetUpdate(rs: any, old: any): FieldError[] {
  return [
    ...validateObjectMetaUpdate(rs.metadata, old.metadata),
    ...validateReplicaSetSpec(rs.spec),
    ...immutable(rs.spec?.selector, old.spec?.selector, 'spec.selector'),
  ];
}

export function validateReplicaSetStatusUpdate(rs: any, old: any): FieldError[] {
  return [...validateObjectMetaUpdate(rs.metadata, old.metadata), ...validateReplicaStatus(rs.status, RC_STATUS)];
}
