/**
 * Jobs: counts, completion mode, pod replacement policy, a template whose pods restart
 * OnFailure or Never, and the selector the server generates (batch.kubernetes.io/controller-uid)
 * unless manualSelector is set. After creation the selector and template are fixed.
 */
import { CONTROLLER_UID_LABEL } from '../defaults/batch.ts';
import { fieldError, type FieldError } from '../field-error.ts';
import { immutable, nonNegative, oneOf } from './fields.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './metadata.ts';
import { isDNS1123Label } from './names.ts';
import { validatePodTemplateSpec } from './pod.ts';
import { selectorMatches, validateLabelSelector } from './selector.ts';
import { SELECTOR_MISMATCH } from './workload.ts';

const MAX_PARALLELISM_INDEXED = 100000;

/** The JobSpec rules shared by Jobs and CronJob job templates (selector aside). */
export function validateJobSpecCommon(spec: any, path: string): FieldError[] {
  const s = spec ?? {};
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes']) {
    errs.push(...nonNegative(s[f], `${path}.${f}`));
  }
  if (s.completionMode !== undefined && s.completionMode !== null) {
    errs.push(...oneOf(s.completionMode, ['NonIndexed', 'Indexed'], `${path}.completionMode`));
    if (s.completionMode === 'Indexed') {
      if (s.completions === undefined || s.completions === null) errs.push(fieldError.required(`${path}.completions`, 'when completion mode is Indexed'));
      if (typeof s.parallelism === 'number' && s.parallelism > MAX_PARALLELISM_INDEXED) {
        errs.push(fieldError.invalid(`${path}.parallelism`, s.parallelism, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      }
    }
  }
  if (s.completionMode !== 'Indexed') {
    if (s.backoffLimitPerIndex !== undefined && s.backoffLimitPerIndex !== null) {
      errs.push(fieldError.invalid(`${path}.backoffLimitPerIndex`, s.backoffLimitPerIndex, 'requires indexed completion mode'));
    }
    if (s.maxFailedIndexes !== undefined && s.maxFailedIndexes !== null) {
      errs.push(fieldError.invalid(`${path}.maxFailedIndexes`, s.maxFailedIndexes, 'requires indexed completion mode'));
    }
  }
  errs.push(...oneOf(s.podReplacementPolicy, ['Failed', 'TerminatingOrFailed'], `${path}.podReplacementPolicy`));
  errs.push(...validatePodTemplateSpec(s.template, `${path}.template`));
  const rp = s.template?.spec?.restartPolicy ?? '';
  const rpPath = `${path}.template.spec.restartPolicy`;
  if (rp === 'Always' || rp === '') errs.push(fieldError.required(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(fieldError.notSupported(rpPath, rp, ['OnFailure', 'Never']));
  else if (s.podFailurePolicy && rp !== 'Never') errs.push(fieldError.invalid(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

function validateJobSpec(job: any): FieldError[] {
  const s = job.spec ?? {};
  const errs = validateJobSpecCommon(s, 'spec');
  if (!s.selector) {
    errs.push(fieldError.required('spec.selector', ''));
  } else {
    errs.push(...validateLabelSelector(s.selector, 'spec.selector'));
    const labels = s.template?.metadata?.labels;
    if (!selectorMatches(s.selector, labels)) errs.push(fieldError.invalid('spec.template.metadata.labels', labels ?? null, SELECTOR_MISMATCH));
  }
  return errs;
}

/** Unless the user chose the selector, it must be the one generated from the Job's uid. */
function validateGeneratedSelector(job: any): FieldError[] {
  const s = job.spec ?? {};
  const uid = job.metadata?.uid;
  if (s.manualSelector === true || !s.selector || !uid) return [];
  return selectorMatches(s.selector, { [CONTROLLER_UID_LABEL]: uid }) ? [] : [fieldError.invalid('spec.selector', s.selector, '`selector` not auto-generated')];
}

export function validateJob(job: any): FieldError[] {
  const errs = validateObjectMeta(job.metadata, { namespaced: true, name: nameIsDNSSubdomain });
  errs.push(...validateGeneratedSelector(job));
  errs.push(...validateJobSpec(job));
  const s = job.spec ?? {};
  const name = job.metadata?.name;
  if (name && s.completionMode === 'Indexed' && typeof s.completions === 'number' && s.completions > 0) {
    // Indexed pods get the hostname <job>-<index>, which must be a DNS label.
    const longest = `${name}-${s.completions - 1}`;
    if (isDNS1123Label(longest).length) {
      errs.push(fieldError.invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${longest}`));
    }
  }
  return errs;
}

/** Elastic Indexed Jobs may change completions together with parallelism. */
function completionsMayChange(s: any): boolean {
  return s.completionMode === 'Indexed' && s.completions === s.parallelism;
}

export function validateJobUpdate(job: any, old: any): FieldError[] {
  const s = job.spec ?? {};
  const o = old.spec ?? {};
  const errs = validateObjectMetaUpdate(job.metadata, old.metadata);
  errs.push(...validateGeneratedSelector(job));
  errs.push(...validateJobSpec(job));
  if (!completionsMayChange(s)) errs.push(...immutable(s.completions, o.completions, 'spec.completions'));
  errs.push(...immutable(s.selector, o.selector, 'spec.selector'));
  errs.push(...immutable(s.template, o.template, 'spec.template'));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...immutable(s[f], o[f], `spec.${f}`));
  }
  return errs;
}

export function validateJobStatusUpdate(job: any, old: any): FieldError[] {
  const errs = validateObjectMetaUpdate(job.metadata, old.metadata);
  for (const f of ['active', 'succeeded', 'failed', 'ready', 'terminating']) errs.push(...nonNegative(job.status?.[f], `status.${f}`));
  return errs;
}
