/**
 * DaemonSets: selector (immutable), an always-restarting template without a deadline, and
 * the update strategy (RollingUpdate with exactly one of maxUnavailable/maxSurge non-zero).
 */
import { fieldError, type FieldError } from '../field-error.ts';
import { immutable, nonNegative } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { validatePodTemplateSpec } from './pod.ts';
import { intOrPercentValue, notMoreThan100Percent, validatePositiveIntOrPercent, validateSelectorForTemplate } from './workload.ts';

function validateUpdateStrategy(strategy: any, path: string): FieldError[] {
  const s = strategy ?? {};
  const errs: FieldError[] = [];
  switch (s.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      const p = `${path}.rollingUpdate`;
      if (!ru) return [fieldError.required(p, '')];
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...notMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`));
      const unavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const surge = intOrPercentValue(ru.maxSurge) !== 0;
      if (unavailable && surge) errs.push(fieldError.invalid(`${p}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
      else if (!unavailable && !surge) errs.push(fieldError.required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
      break;
    }
    default:
      errs.push(fieldError.notSupported(path, s, ['RollingUpdate', 'OnDelete']));
  }
  return errs;
}

function validateDaemonSetSpec(spec: any): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  errs.push(...validateSelectorForTemplate(s, 'daemonset'));
  errs.push(...validatePodTemplateSpec(s.template, 'spec.template'));
  const tspec = s.template?.spec ?? {};
  if (tspec.restartPolicy !== 'Always') errs.push(fieldError.notSupported('spec.template.spec.restartPolicy', tspec.restartPolicy ?? '', ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
    errs.push(fieldError.invalid('spec.template.spec.activeDeadlineSeconds', tspec.activeDeadlineSeconds, 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  errs.push(...nonNegative(s.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateUpdateStrategy(s.updateStrategy, 'spec.updateStrategy'));
  errs.push(...nonNegative(s.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

export function validateDaemonSet(ds: any): FieldError[] {
  return [...validateObjectMeta(ds.metadata, { namespaced: true, name: nameIsDNSSubdomain }), ...validateDaemonSetSpec(ds.spec)];
}

export function validateDaemonSetUpdate(ds: any, old: any): FieldError[] {
  return [
    ...validateObjectMetaUpdate(ds.metadata, old.metadata),
    ...validateDaemonSetSpec(ds.spec),
    ...immutable(ds.spec?.selector, old.spec?.selector, 'spec.selector'),
  ];
}

const DS_STATUS = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'];

export function validateDaemonSetStatusUpdate(ds: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(ds.metadata, old.metadata);
  for (const f of [...DS_STATUS, 'observedGeneration', 'collisionCount']) errs.push(...nonNegative(ds.status?.[f], `status.${f}`));
  return errs;
}
