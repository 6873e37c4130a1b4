/**
 * StatefulSets: DNS-label names (pods are named <set>-<ordinal>), pod management and update
 * policies, selector and template; an update may change only replicas, ordinals, template,
 * updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { nonNegative, semanticEqual } from './fields.ts';
import { nameIsDNSLabel, validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { validateLabelSelector, isEmptySelector, selectorMatches } from './selector.ts';
import { SELECTOR_MISMATCH, validateAlwaysRestart, validateReplicaStatus } from './workload.ts';

function validateRetentionPolicy(policy: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!policy) return errs;
  for (const f of ['whenDeleted', 'whenScaled']) {
    if (policy[f] !== 'Retain' && policy[f] !== 'Delete') errs.push(fieldError.notSupported(`${path}.${f}`, policy[f] ?? '', ['Retain', 'Delete']));
  }
  return errs;
}

/**
 * Upstream checks only the template's labels and annotations here, not its pod spec: the
 * volumes a container mounts may come from volumeClaimTemplates.
 */
function validateStatefulSetSpec(spec: any): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  switch (s.podManagementPolicy ?? '') {
    case '':
      errs.push(fieldError.required('spec.podManagementPolicy', ''));
      break;
    case 'OrderedReady':
    case 'Parallel':
      break;
    default:
      errs.push(fieldError.invalid('spec.podManagementPolicy', s.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = s.updateStrategy ?? {};
  switch (us.type ?? '') {
    case '':
      errs.push(fieldError.required('spec.updateStrategy', ''));
      break;
    case 'OnDelete':
      if (us.rollingUpdate) errs.push(fieldError.invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate':
      errs.push(...nonNegative(us.rollingUpdate?.partition, 'spec.updateStrategy.rollingUpdate.partition'));
      break;
    default:
      errs.push(fieldError.invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  errs.push(...validateRetentionPolicy(s.persistentVolumeClaimRetentionPolicy, 'spec.persistentVolumeClaimRetentionPolicy'));
  errs.push(...nonNegative(s.replicas, 'spec.replicas'));
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  if (s.ordinals) errs.push(...nonNegative(s.ordinals.start, 'spec.ordinals.start'));
  if (!s.selector) {
    errs.push(fieldError.required('spec.selector', ''));
  } else {
    errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
    if (isEmptySelector(s.selector)) errs.push(fieldError.invalid('spec.selector', s.selector, 'empty selector is invalid for statefulset'));
  }
  if (!s.template) {
    errs.push(fieldError.required('spec.template', ''));
  } else {
    const labels = s.template.metadata?.labels;
    if (s.selector && !isEmptySelector(s.selector) && !selectorMatches(s.selector, labels)) {
      errs.push(fieldError.invalid('spec.template.metadata.labels', labels ?? null, SELECTOR_MISMATCH));
    }
    errs.push(...validateLabels(labels, 'spec.template.labels'));
    errs.push(...validateAnnotations(s.template.metadata?.annotations, 'spec.template.annotations'));
  }
  errs.push(...validateAlwaysRestart(s.template, 'StatefulSet'));
  return errs;
}

export function validateStatefulSet(sts: any): FieldError[] {
  return [...validateObjectMeta(sts.metadata, { namespaced: true, name: nameIsDNSLabel }), ...validateStatefulSetSpec(sts.spec)];
}

const UPDATABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export function validateStatefulSetUpdate(sts: any, old: any): FieldError[] {
  const errs = [...validateObjectMetaUpdate(sts.metadata, old.metadata), ...validateStatefulSetSpec(sts.spec)];
  const next = { ...(sts.spec ?? {}) };
  const prev = { ...(old.spec ?? {}) };
  for (const f of UPDATABLE) {
    delete next[f];
    delete prev[f];
  }
  if (!semanticEqual(next, prev)) {
    errs.push(
      fieldError.forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

export function validateStatefulSetStatusUpdate(sts: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(sts.metadata, old.metadata);
  errs.push(...validateReplicaStatus(sts.status, ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']));
  if ((sts.status?.collisionCount ?? 0) < (old.status?.collisionCount ?? 0)) {
    errs.push(fieldError.invalid('status.collisionCount', sts.status?.collisionCount ?? 0, 'cannot be decremented'));
  }
  return errs;
}
