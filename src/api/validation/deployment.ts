/**
 * Deployments: replicas, selector (immutable in apps/v1), template, rollout strategy
 * (RollingUpdate with maxSurge/maxUnavailable, or Recreate), history and progress deadline.
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { immutable, nonNegative } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { validatePodTemplateSpec } from './pod.ts';
import {
  intOrPercentValue,
  notMoreThan100Percent,
  validateAlwaysRestart,
  validatePositiveIntOrPercent,
  validateReplicaStatus,
  validateSelectorForTemplate,
} from './workload.ts';

function validateStrategy(strategy: any, path: string): FieldError[] {
  const s = strategy ?? {};
  const errs: FieldError[] = [];
  switch (s.type) {
    case 'Recreate':
      if (s.rollingUpdate) errs.push(fieldError.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'"));
      break;
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      const p = `${path}.rollingUpdate`;
      if (!ru) {
        errs.push(fieldError.required(p, 'this should be defaulted and never be nil'));
        break;
      }
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(fieldError.invalid(`${p}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      break;
    }
    default:
      errs.push(fieldError.notSupported(path, s, ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

function validateDeploymentSpec(spec: any): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  errs.push(...nonNegative(s.replicas, 'spec.replicas'));
  errs.push(...validateSelectorForTemplate(s, 'deployment'));
  errs.push(...validatePodTemplateSpec(s.template, 'spec.template'));
  errs.push(...validateAlwaysRestart(s.template, 'ReplicaSet'));
  errs.push(...validateStrategy(s.strategy, 'spec.strategy'));
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (typeof s.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative(s.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) {
      errs.push(fieldError.invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export function validateDeployment(d: any): FieldError[] {
  return [...validateObjectMeta(d.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateDeploymentSpec(d.spec)];
}

export function validateDeploymentUpdate(d: any, old: any): FieldError[] {
  return [
    ...validateObjectMetaUpdate(d.metadata, old.metadata),
    ...validateDeploymentSpec(d.spec),
    ...immutable(d.spec?.selector, old.spec?.selector, 'spec.selector'),
  ];
}

export function validateDeploymentStatusUpdate(d: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(d.metadata, old.metadata);
  errs.push(...validateReplicaStatus(d.status, ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']));
  return errs;
}
